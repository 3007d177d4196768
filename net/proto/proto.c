/*
 * Pawn Party wire protocol, version 1: the size table (which is also the
 * wire layout, written out byte by byte above it), one small decoder and
 * one small encoder per packet type, and the UTF-8 / name rules.
 *
 * Every encoder refuses what the matching decoder would reject, so a packet
 * this file writes is always one the other side accepts, and
 * encode(decode(p)) == p byte for byte for every packet that decodes.
 */
#include "proto.h"

#include <string.h>

#include "wire.h"

/* ---- UTF-8 and names ---------------------------------------------------- */

static int is_control(uint32_t cp)
{
    return cp <= 0x1F || cp == 0x7F;
}

/*
 * Reads one UTF-8 sequence from s[0..n) into *cp. Returns its length, or 0
 * when it is malformed: a stray continuation byte, a lead byte no valid
 * sequence uses (C0, C1, F5..FF), a truncated sequence, an overlong form
 * (a code point written with more bytes than it needs), a surrogate or a
 * code point past U+10FFFF. Decoding the value and then checking it is
 * easier to read than the usual per-lead-byte range table.
 */
static size_t utf8_one(const uint8_t *s, size_t n, uint32_t *cp)
{
    static const uint32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
    uint8_t b = s[0];
    size_t len;

    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    if (b >= 0xC2 && b <= 0xDF) {
        len = 2;
        *cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
        len = 3;
        *cp = b & 0x0F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4;
        *cp = b & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (s[i] & 0x3F);
    }
    if (*cp < min_for_len[len] || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
        return 0;
    return len;
}

int proto_utf8_check(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t len = utf8_one(s + i, n - i, &cp);
        if (len == 0 || is_control(cp))
            return -1;
        i += len;
    }
    return 0;
}

int proto_name_check(const uint8_t raw[PROTO_NAME_LEN], char out[PROTO_NAME_LEN])
{
    const uint8_t *nul = memchr(raw, 0, PROTO_NAME_LEN);
    if (nul == NULL)
        return PROTO_E_NAME; /* not terminated within 32 bytes */
    size_t n = (size_t)(nul - raw);
    if (n == 0 || proto_utf8_check(raw, n) != 0)
        return PROTO_E_NAME;
    /* Junk after the NUL would be lost on re-encoding and could smuggle
     * data past anything that compares names, so it makes the name bad. */
    for (size_t i = n; i < PROTO_NAME_LEN; i++)
        if (raw[i] != 0)
            return PROTO_E_NAME;
    memcpy(out, raw, PROTO_NAME_LEN);
    return 0;
}

/* strlen that stops looking at 32 bytes (strnlen is POSIX, not C11, and
 * this file must build on every platform). */
static size_t name_len(const char *name)
{
    size_t n = 0;
    while (n < PROTO_NAME_LEN && name[n] != '\0')
        n++;
    return n;
}

int proto_name_pack(const char *name, uint8_t raw[PROTO_NAME_LEN])
{
    size_t n = name_len(name);
    if (n == 0 || n > PROTO_NAME_MAX || proto_utf8_check((const uint8_t *)name, n) != 0)
        return PROTO_E_NAME;
    memset(raw, 0, PROTO_NAME_LEN);
    memcpy(raw, name, n);
    return 0;
}

/* Chat text: 1..200 bytes of UTF-8 without control characters. The length
 * bounds are the size table's job on decode, but encode needs them too. */
static int text_check(const uint8_t *s, size_t n)
{
    if (n < 1 || n > PROTO_TEXT_MAX || proto_utf8_check(s, n) != 0)
        return PROTO_E_TEXT;
    return 0;
}

/* ---- one decoder and one encoder per type -------------------------------- */

/* Decoders get a packet whose size already passed the size table; they read
 * fields at the table's offsets and check the ranges the size table cannot.
 * Encoders write the fields after the header and return 0 or a PROTO_E_*:
 * the table says how long the packet is. */

static int dec_login(const uint8_t *p, size_t len, struct proto_msg *m)
{
    (void)len; /* fixed-size types: the size table already checked len */
    m->u.login.version = wire_u16(p + 2);
    memcpy(m->u.login.name, p + 4, PROTO_NAME_LEN); /* raw: the host judges it */
    return 0;
}

static int enc_login(const struct proto_msg *m, uint8_t *out)
{
    wire_put16(out + 2, m->u.login.version);
    memcpy(out + 4, m->u.login.name, PROTO_NAME_LEN);
    return 0;
}

static int dec_move(const uint8_t *p, size_t len, struct proto_msg *m)
{
    (void)len;
    if (p[2] > DIR_RIGHT)
        return PROTO_E_DIR;
    m->u.move.dir = p[2];
    m->u.move.move_time = wire_u32(p + 3);
    return 0;
}

static int enc_move(const struct proto_msg *m, uint8_t *out)
{
    if (m->u.move.dir > DIR_RIGHT)
        return PROTO_E_DIR;
    out[2] = m->u.move.dir;
    wire_put32(out + 3, m->u.move.move_time);
    return 0;
}

/* Text starts at byte `at` and runs to the end of the packet. */
static int dec_text(const uint8_t *p, size_t len, size_t at, struct proto_msg *m)
{
    size_t n = len - at;
    if (text_check(p + at, n) != 0)
        return PROTO_E_TEXT;
    m->u.chat.len = (uint8_t)n;
    memcpy(m->u.chat.text, p + at, n);
    m->u.chat.text[n] = '\0';
    return 0;
}

static int enc_text(const struct proto_msg *m, uint8_t *out, size_t at)
{
    if (text_check((const uint8_t *)m->u.chat.text, m->u.chat.len) != 0)
        return PROTO_E_TEXT;
    memcpy(out + at, m->u.chat.text, m->u.chat.len);
    return 0;
}

static int dec_cs_chat(const uint8_t *p, size_t len, struct proto_msg *m)
{
    m->u.chat.id = 0; /* CS_CHAT has no id on the wire: the host knows who spoke */
    return dec_text(p, len, 2, m);
}

static int enc_cs_chat(const struct proto_msg *m, uint8_t *out)
{
    return enc_text(m, out, 2);
}

static int dec_logout(const uint8_t *p, size_t len, struct proto_msg *m)
{
    (void)p, (void)len, (void)m; /* a header and nothing else */
    return 0;
}

static int enc_logout(const struct proto_msg *m, uint8_t *out)
{
    (void)m, (void)out;
    return 0;
}

static int dec_login_ok(const uint8_t *p, size_t len, struct proto_msg *m)
{
    (void)len;
    m->u.login_ok.id = wire_u32(p + 2);
    m->u.login_ok.x = wire_u16(p + 6);
    m->u.login_ok.y = wire_u16(p + 8);
    m->u.login_ok.board_w = wire_u16(p + 10);
    m->u.login_ok.board_h = wire_u16(p + 12);
    m->u.login_ok.view = wire_u16(p + 14);
    m->u.login_ok.max_players = wire_u16(p + 16);
    return 0;
}

static int enc_login_ok(const struct proto_msg *m, uint8_t *out)
{
    wire_put32(out + 2, m->u.login_ok.id);
    wire_put16(out + 6, m->u.login_ok.x);
    wire_put16(out + 8, m->u.login_ok.y);
    wire_put16(out + 10, m->u.login_ok.board_w);
    wire_put16(out + 12, m->u.login_ok.board_h);
    wire_put16(out + 14, m->u.login_ok.view);
    wire_put16(out + 16, m->u.login_ok.max_players);
    return 0;
}

static int reason_ok(uint8_t reason)
{
    return reason >= FAIL_FULL && reason <= FAIL_TAKEN;
}

static int dec_login_fail(const uint8_t *p, size_t len, struct proto_msg *m)
{
    (void)len;
    if (!reason_ok(p[2]))
        return PROTO_E_FIELD;
    m->u.login_fail.reason = p[2];
    return 0;
}

static int enc_login_fail(const struct proto_msg *m, uint8_t *out)
{
    if (!reason_ok(m->u.login_fail.reason))
        return PROTO_E_FIELD;
    out[2] = m->u.login_fail.reason;
    return 0;
}

static int put_fields_ok(uint8_t look, uint8_t why)
{
    return look < PROTO_LOOKS && why <= PUT_JOINED;
}

static int dec_put(const uint8_t *p, size_t len, struct proto_msg *m)
{
    (void)len;
    if (!put_fields_ok(p[10], p[11]))
        return PROTO_E_FIELD;
    m->u.put.id = wire_u32(p + 2);
    m->u.put.x = wire_u16(p + 6);
    m->u.put.y = wire_u16(p + 8);
    m->u.put.look = p[10];
    m->u.put.why = p[11];
    return proto_name_check(p + 12, m->u.put.name);
}

static int enc_put(const struct proto_msg *m, uint8_t *out)
{
    if (!put_fields_ok(m->u.put.look, m->u.put.why))
        return PROTO_E_FIELD;
    if (proto_name_pack(m->u.put.name, out + 12) != 0)
        return PROTO_E_NAME;
    wire_put32(out + 2, m->u.put.id);
    wire_put16(out + 6, m->u.put.x);
    wire_put16(out + 8, m->u.put.y);
    out[10] = m->u.put.look;
    out[11] = m->u.put.why;
    return 0;
}

static int dec_pos(const uint8_t *p, size_t len, struct proto_msg *m)
{
    (void)len;
    m->u.pos.id = wire_u32(p + 2);
    m->u.pos.x = wire_u16(p + 6);
    m->u.pos.y = wire_u16(p + 8);
    m->u.pos.move_time = wire_u32(p + 10);
    return 0;
}

static int enc_pos(const struct proto_msg *m, uint8_t *out)
{
    wire_put32(out + 2, m->u.pos.id);
    wire_put16(out + 6, m->u.pos.x);
    wire_put16(out + 8, m->u.pos.y);
    wire_put32(out + 10, m->u.pos.move_time);
    return 0;
}

static int dec_remove(const uint8_t *p, size_t len, struct proto_msg *m)
{
    (void)len;
    if (p[6] > REMOVE_DROPPED)
        return PROTO_E_FIELD;
    m->u.remove.id = wire_u32(p + 2);
    m->u.remove.why = p[6];
    return 0;
}

static int enc_remove(const struct proto_msg *m, uint8_t *out)
{
    if (m->u.remove.why > REMOVE_DROPPED)
        return PROTO_E_FIELD;
    wire_put32(out + 2, m->u.remove.id);
    out[6] = m->u.remove.why;
    return 0;
}

static int dec_sc_chat(const uint8_t *p, size_t len, struct proto_msg *m)
{
    m->u.chat.id = wire_u32(p + 2);
    return dec_text(p, len, 6, m);
}

static int enc_sc_chat(const struct proto_msg *m, uint8_t *out)
{
    wire_put32(out + 2, m->u.chat.id);
    return enc_text(m, out, 6);
}

/* ---- the size table: the wire layout --------------------------------------
 *
 * Offsets from the packet start; integers little-endian and unsigned
 * (docs/protocol.md is the contract):
 *
 *   0 u8 size   whole packet, header included (2..255)
 *   1 u8 type
 *   CS_LOGIN          2 u16 version    4 name[32]                          36
 *   CS_MOVE           2 u8 dir         3 u32 move_time                      7
 *   CS_CHAT           2 text (1..200 bytes, to the end)                3..202
 *   CS_LOGOUT         -                                                     2
 *   SC_LOGIN_OK       2 u32 id  6 u16 x  8 u16 y  10 u16 board_w
 *                    12 u16 board_h  14 u16 view  16 u16 max_players       18
 *   SC_LOGIN_FAIL     2 u8 reason (1..4)                                    3
 *   SC_PUT_PLAYER     2 u32 id  6 u16 x  8 u16 y  10 u8 look  11 u8 why
 *                    12 name[32]                                           44
 *   SC_POSITION       2 u32 id  6 u16 x  8 u16 y  10 u32 move_time         14
 *   SC_REMOVE_PLAYER  2 u32 id  6 u8 why                                    7
 *   SC_CHAT           2 u32 id  6 text (1..200 bytes, to the end)      7..206
 *
 * One row per type, indexed by the type byte; a row with min == 0 is a type
 * that does not exist. A fixed layout has min == max; a text packet is
 * text_at bytes and then its text.
 */
struct proto_kind {
    const char *name;
    uint8_t side; /* the side that reads this type */
    uint8_t min, max;
    uint8_t text_at; /* 0, or where the text starts */
    int (*decode)(const uint8_t *p, size_t len, struct proto_msg *m);
    int (*encode)(const struct proto_msg *m, uint8_t *out);
};

#define FIXED(t, s, size, dec, enc) [t] = {#t, s, size, size, 0, dec, enc}
#define TEXT(t, s, at, dec, enc) [t] = {#t, s, (at) + 1, (at) + PROTO_TEXT_MAX, at, dec, enc}

static const struct proto_kind kinds[] = {
    FIXED(CS_LOGIN, PROTO_TO_HOST, 36, dec_login, enc_login),
    FIXED(CS_MOVE, PROTO_TO_HOST, 7, dec_move, enc_move),
    TEXT(CS_CHAT, PROTO_TO_HOST, 2, dec_cs_chat, enc_cs_chat),
    FIXED(CS_LOGOUT, PROTO_TO_HOST, 2, dec_logout, enc_logout),
    FIXED(SC_LOGIN_OK, PROTO_TO_CLIENT, 18, dec_login_ok, enc_login_ok),
    FIXED(SC_LOGIN_FAIL, PROTO_TO_CLIENT, 3, dec_login_fail, enc_login_fail),
    FIXED(SC_PUT_PLAYER, PROTO_TO_CLIENT, 44, dec_put, enc_put),
    FIXED(SC_POSITION, PROTO_TO_CLIENT, 14, dec_pos, enc_pos),
    FIXED(SC_REMOVE_PLAYER, PROTO_TO_CLIENT, 7, dec_remove, enc_remove),
    TEXT(SC_CHAT, PROTO_TO_CLIENT, 6, dec_sc_chat, enc_sc_chat),
};

#define KIND_COUNT (sizeof kinds / sizeof kinds[0])

static const struct proto_kind *kind_of(uint8_t type)
{
    if (type >= KIND_COUNT || kinds[type].min == 0)
        return NULL;
    return &kinds[type];
}

int proto_check_header(enum proto_side side, uint8_t size, uint8_t type)
{
    const struct proto_kind *k = kind_of(type);
    if (size < PROTO_HEADER)
        return PROTO_E_SIZE_SMALL;
    /* A packet meant for the other side is as wrong as an unknown one. */
    if (k == NULL || k->side != side)
        return PROTO_E_TYPE;
    if (size < k->min || size > k->max)
        return PROTO_E_SIZE;
    return 0;
}

int proto_decode(enum proto_side side, const uint8_t *pkt, size_t len, struct proto_msg *m)
{
    if (len < PROTO_HEADER)
        return PROTO_E_SIZE_SMALL;
    /* The size byte must describe exactly the bytes we were given. */
    if (pkt[0] != len)
        return pkt[0] < PROTO_HEADER ? PROTO_E_SIZE_SMALL : PROTO_E_SIZE;
    int err = proto_check_header(side, pkt[0], pkt[1]);
    if (err != 0)
        return err;
    m->type = pkt[1];
    return kind_of(pkt[1])->decode(pkt, len, m);
}

int proto_encode(const struct proto_msg *m, uint8_t *out)
{
    const struct proto_kind *k = kind_of(m->type);
    if (k == NULL)
        return PROTO_E_TYPE;
    int err = k->encode(m, out);
    if (err < 0)
        return err;
    int size = k->text_at ? k->text_at + m->u.chat.len : k->min;
    out[0] = (uint8_t)size;
    out[1] = m->type;
    return size;
}

/* ---- names for logs ------------------------------------------------------ */

const char *proto_type_name(uint8_t type)
{
    const struct proto_kind *k = kind_of(type);
    return k ? k->name : "unknown";
}

const char *proto_strerror(int err)
{
    switch (err) {
    case PROTO_OK: return "no error";
    case PROTO_E_SIZE_SMALL: return "packet size below the 2-byte header";
    case PROTO_E_TYPE: return "unknown packet type for this side";
    case PROTO_E_SIZE: return "packet size does not match its type";
    case PROTO_E_DIR: return "move direction out of range";
    case PROTO_E_NAME: return "bad name (empty, unterminated, bad UTF-8 or control character)";
    case PROTO_E_TEXT: return "bad chat text (bad UTF-8 or control character)";
    case PROTO_E_FIELD: return "field out of range (look, why or reason)";
    case PROTO_E_RULES: return "the host sent an invalid packet";
    }
    return "unknown protocol error";
}
