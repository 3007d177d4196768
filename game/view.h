/*
 * The game's view of the world: the client mirror (what the host told us)
 * plus what the screen needs on top of it: where each piece is drawn while
 * it glides from one square to the next, which piece is ours, notices that
 * fade out (joined / left / dropped) and the chat log.
 *
 * Pure C without SDL: the render loop passes the clock in (milliseconds),
 * so the unit tests can drive time by hand.
 */
#ifndef PAWN_GAME_VIEW_H
#define PAWN_GAME_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "idmap.h"
#include "mirror.h"
#include "proto.h"

#define VIEW_GLIDE_MS 120        /* one square of movement on screen */
#define VIEW_NOTICE_MS 4000      /* a notice's whole life */
#define VIEW_NOTICE_FADE_MS 1000 /* ...of which the last part fades out */
#define VIEW_NOTICES 6           /* the oldest goes when a seventh comes */
#define VIEW_FOLD_MS 2000        /* joins (or leaves) this close fold into one line */
#define VIEW_CHAT_LINES 200

/* A piece as drawn: the mirror's square plus where its glide started. */
struct view_piece {
    int live;           /* 0: the hole a removed piece left */
    uint32_t id;
    uint16_t x, y;      /* the square the host says it is on */
    float from_x, from_y; /* where it was drawn when the move arrived */
    uint64_t move_ms;   /* when that was */
    uint8_t look;
    char name[PROTO_NAME_LEN];
};

enum view_notice_kind { VIEW_NOTICE_JOIN, VIEW_NOTICE_LEAVE, VIEW_NOTICE_DROP };

struct view_notice {
    enum view_notice_kind kind;
    char text[2 * PROTO_NAME_LEN + 32];
    uint64_t born_ms;
};

/* A burst of joins (or leaves, or drops) folds into one notice and one
 * chat line: "Ann joined", "Ann and Bo joined", "8 players joined". */
struct view_fold {
    enum view_notice_kind kind;
    unsigned count;          /* 0: nothing to fold into */
    uint64_t last_ms;        /* the last event folded in */
    uint32_t chat_serial;    /* the chat line it rewrites (still the newest) */
    char first[PROTO_NAME_LEN];
};

/* A chat line keeps the speaker's name and look as they were when it was
 * said, so it still reads right after the speaker has left. System lines
 * (joins and leaves) have id 0 and an empty name. */
struct view_chat {
    uint32_t id;
    uint8_t look;
    int mine;
    char name[PROTO_NAME_LEN];
    char text[PROTO_TEXT_MAX + 1];
};

/* What view_apply changed, so the caller redraws or re-plans only then. */
enum view_change {
    VIEW_CH_LOGIN = 1 << 0,  /* SC_LOGIN_OK arrived */
    VIEW_CH_PIECES = 1 << 1, /* a piece appeared, moved or went */
    VIEW_CH_ME = 1 << 2,     /* the host echoed my own position */
    VIEW_CH_CHAT = 1 << 3,   /* the chat log grew */
    VIEW_CH_NOTICE = 1 << 4, /* a notice was added */
    VIEW_CH_DROPPED = 1 << 5, /* the host removed my own piece */
};

struct view {
    struct mirror mirror;    /* board size, my id, ordering checks */
    /* In the order they came into view. A removed piece leaves a hole
     * (live 0) until holes are half the array, then the array closes up:
     * whatever order the host puts and removes ids in, a packet costs O(1)
     * on average. Iterate slots 0..nslots with view_piece_at. */
    struct view_piece *pieces;
    size_t npieces, nslots, cap; /* live pieces, slots used, slots allocated */
    struct idmap at;             /* id -> slot */
    struct view_notice notices[VIEW_NOTICES]; /* oldest first */
    size_t nnotices;
    struct view_chat chat[VIEW_CHAT_LINES]; /* a ring */
    size_t chat_head, nchat;
    uint32_t chat_serial;    /* counts every line ever added */
    struct view_fold fold;
};

void view_init(struct view *v);
void view_free(struct view *v);

/* Applies one host->client packet received at now_ms; returns the
 * VIEW_CH_* bits it changed (0 for nothing, e.g. a broken ordering rule). */
int view_apply(struct view *v, const struct proto_msg *m, uint64_t now_ms);

/* The piece with this id or NULL; my own piece or NULL before its put.
 * Valid until the next view_apply. */
const struct view_piece *view_find(const struct view *v, uint32_t id);
const struct view_piece *view_me(const struct view *v);
/* The piece in slot i (0 <= i < nslots), or NULL for a hole. */
const struct view_piece *view_piece_at(const struct view *v, size_t i);

/* Where a piece is drawn at now_ms, in squares (fractions while it glides).
 * Returns 1 while it is still gliding, else 0. */
int view_piece_pos(const struct view_piece *p, uint64_t now_ms, float *x, float *y);

/* 1 while any piece glides at now_ms. */
int view_animating(const struct view *v, uint64_t now_ms);

/* Drops notices older than VIEW_NOTICE_MS; returns 1 when one went. */
int view_expire(struct view *v, uint64_t now_ms);
/* 1.0 for a fresh notice, falling to 0.0 over its last VIEW_NOTICE_FADE_MS. */
float view_notice_alpha(const struct view_notice *n, uint64_t now_ms);
/* When the next notice starts fading or expires (0: no notices). */
uint64_t view_next_notice_event(const struct view *v, uint64_t now_ms);

/* The i-th newest chat line (0 = newest), or NULL. */
const struct view_chat *view_chat_line(const struct view *v, size_t i);

#endif
