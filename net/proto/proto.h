/*
 * Pawn Party wire protocol, version 1 (docs/protocol.md is the contract;
 * the byte layout of every packet is written out once, at the size table
 * in proto.c).
 *
 * Every packet: u8 size (whole packet, header included, 2..255), u8 type,
 * then fields, all integers little-endian and unsigned. Decoding never
 * casts a struct over the buffer: fields are read with the little-endian
 * readers in wire.h after the size table has checked the length.
 */
#ifndef PAWN_NET_PROTO_H
#define PAWN_NET_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION 1
#define PROTO_DEFAULT_PORT 9090
#define PROTO_DISCOVERY_PORT 9091
#define PROTO_HEADER 2
#define PROTO_MAX_PACKET 255
#define PROTO_NAME_LEN 32 /* bytes on the wire */
#define PROTO_NAME_MAX 31 /* bytes of UTF-8 at most */
#define PROTO_TEXT_MAX 200
#define PROTO_LOOKS 10

enum proto_type {
    CS_LOGIN = 1,
    CS_MOVE = 2,
    CS_CHAT = 3,
    CS_LOGOUT = 4,
    SC_LOGIN_OK = 11,
    SC_LOGIN_FAIL = 12,
    SC_PUT_PLAYER = 13,
    SC_POSITION = 14,
    SC_REMOVE_PLAYER = 15,
    SC_CHAT = 16,
};

enum proto_dir_move { DIR_UP = 0, DIR_DOWN = 1, DIR_LEFT = 2, DIR_RIGHT = 3 };
enum proto_fail { FAIL_FULL = 1, FAIL_VERSION = 2, FAIL_NAME = 3, FAIL_TAKEN = 4 };
enum proto_put_why { PUT_VIEW = 0, PUT_JOINED = 1 };
enum proto_remove_why { REMOVE_VIEW = 0, REMOVE_LEFT = 1, REMOVE_DROPPED = 2 };

/* Which side is reading: the host accepts only CS_*, a client only SC_*. */
enum proto_side { PROTO_TO_HOST = 0, PROTO_TO_CLIENT = 1 };

/* Errors are negative; PROTO_OK is 0. */
enum proto_err {
    PROTO_OK = 0,
    PROTO_E_SIZE_SMALL = -1, /* size byte < 2 */
    PROTO_E_TYPE = -2,       /* unknown type for this side */
    PROTO_E_SIZE = -3,       /* size does not match the type */
    PROTO_E_DIR = -4,        /* CS_MOVE direction > 3 */
    PROTO_E_NAME = -5,       /* a bad name[32] */
    PROTO_E_TEXT = -6,       /* bad chat text */
    PROTO_E_FIELD = -7,      /* another field out of range (look, why, reason) */
    PROTO_E_RULES = -8,      /* a well-formed packet the rules forbid here (the
                              * client's checks: mirror.h) */
};

struct proto_msg {
    uint8_t type;
    union {
        struct {
            uint16_t version;
            uint8_t name[PROTO_NAME_LEN]; /* raw bytes: the host checks them */
        } login;
        struct {
            uint8_t dir;
            uint32_t move_time;
        } move;
        struct {
            uint32_t id; /* SC_CHAT only */
            uint8_t len; /* 1..200 */
            char text[PROTO_TEXT_MAX + 1]; /* NUL-terminated copy */
        } chat;
        struct {
            uint32_t id;
            uint16_t x, y, board_w, board_h, view, max_players;
        } login_ok;
        struct {
            uint8_t reason;
        } login_fail;
        struct {
            uint32_t id;
            uint16_t x, y;
            uint8_t look, why;
            char name[PROTO_NAME_LEN]; /* NUL-terminated, validated */
        } put;
        struct {
            uint32_t id;
            uint16_t x, y;
            uint32_t move_time;
        } pos;
        struct {
            uint32_t id;
            uint8_t why;
        } remove;
    } u;
};

/*
 * The size table: checks a header (size byte, type byte) for the reading
 * side before anything else looks at the packet. Returns 0 or a PROTO_E_*.
 */
int proto_check_header(enum proto_side side, uint8_t size, uint8_t type);

/*
 * Decodes one whole packet (len == pkt[0]) read by `side` into *m.
 * Validates everything the side must reject: size table, direction, text,
 * names in SC_PUT_PLAYER, look/why/reason ranges. CS_LOGIN's name is
 * returned raw: a bad name there is a login failure, not a protocol error.
 * Returns 0 or a PROTO_E_*; *m is undefined on error.
 */
int proto_decode(enum proto_side side, const uint8_t *pkt, size_t len, struct proto_msg *m);

/*
 * Encodes *m into out (room for PROTO_MAX_PACKET bytes). Returns the packet
 * size (2..255) or a negative PROTO_E_* if a field cannot be encoded.
 * Names are taken from the NUL-terminated strings (put.name) or the raw
 * 32 bytes (login.name); chat uses len bytes of text.
 */
int proto_encode(const struct proto_msg *m, uint8_t *out);

/*
 * Name rules: 1..31 bytes of valid UTF-8 with no control character,
 * NUL-padded to 32. On success copies the NUL-terminated name into out
 * (32 bytes) and returns 0, else PROTO_E_NAME.
 */
int proto_name_check(const uint8_t raw[PROTO_NAME_LEN], char out[PROTO_NAME_LEN]);

/* Writes a NUL-terminated name into 32 wire bytes (NUL-padded). Returns 0
 * or PROTO_E_NAME when it breaks the name rules (too long, bad UTF-8...). */
int proto_name_pack(const char *name, uint8_t raw[PROTO_NAME_LEN]);

/* 0 when s[0..n) is valid UTF-8 (no overlongs, surrogates or > U+10FFFF)
 * with no control character (U+0000..U+001F, U+007F); else -1. */
int proto_utf8_check(const uint8_t *s, size_t n);

const char *proto_type_name(uint8_t type);
const char *proto_strerror(int err);

#endif
