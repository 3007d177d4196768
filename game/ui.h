/*
 * Widgets for the menus and the chat line: a text field that handles IME
 * composition (Hangul is typed through an input method), buttons, list
 * rows, and keyboard focus. Screens lay their widgets out every frame
 * (so a resize needs no bookkeeping); focus is kept by widget id.
 */
#ifndef PAWN_GAME_UI_H
#define PAWN_GAME_UI_H

#include <SDL.h>
#include <stddef.h>
#include <stdint.h>

#include "gfx.h"

/* ---- the colours of the whole window ------------------------------------ */
#define UI_BG ((SDL_Color){ 23, 27, 38, 255 })
#define UI_PANEL ((SDL_Color){ 33, 39, 53, 255 })
#define UI_INSET ((SDL_Color){ 18, 21, 30, 255 })
#define UI_LINE ((SDL_Color){ 52, 60, 78, 255 })
#define UI_TEXT ((SDL_Color){ 233, 237, 243, 255 })
#define UI_DIM ((SDL_Color){ 150, 160, 178, 255 })
#define UI_ACCENT ((SDL_Color){ 76, 141, 246, 255 })
#define UI_ACCENT_HI ((SDL_Color){ 104, 162, 255, 255 })
#define UI_GOLD ((SDL_Color){ 246, 190, 74, 255 })
#define UI_GOOD ((SDL_Color){ 92, 200, 128, 255 })
#define UI_BAD ((SDL_Color){ 240, 96, 96, 255 })
#define UI_BUTTON ((SDL_Color){ 50, 58, 76, 255 })
#define UI_BUTTON_HI ((SDL_Color){ 64, 74, 96, 255 })

/* ======================================================================
 * Text field
 * ====================================================================== */

#define UI_FIELD_MAX 255
#define UI_COMP_MAX 128

struct ui_field {
    char text[UI_FIELD_MAX + 1];
    size_t len, caret;  /* bytes; the caret is always on a UTF-8 boundary */
    size_t anchor;      /* the other end of the selection (== caret: none) */
    unsigned edits;     /* counts every change of the text */
    size_t max;         /* bytes of UTF-8 the field accepts */
    int digits;         /* 1: only 0-9 */
    const char *placeholder;
    char comp[UI_COMP_MAX]; /* the IME's composition, not yet in text */
    uint32_t comp_end_ms;   /* when the last composition ended */
};

void ui_field_init(struct ui_field *f, size_t max_bytes, int digits, const char *placeholder);
/* Replaces the text, cut to max bytes on a code point boundary; the caret
 * goes to the end, nothing selected. */
void ui_field_set(struct ui_field *f, const char *s);
/* Replaces the selection (or inserts at the caret) with as many whole code
 * points of s as fit; returns the bytes inserted. */
size_t ui_field_insert(struct ui_field *f, const char *s);
/* Selects the whole text (typing then replaces it). */
void ui_field_select_all(struct ui_field *f);
/* The selection as byte offsets [*from, *to); 0 when nothing is selected. */
int ui_field_selection(const struct ui_field *f, size_t *from, size_t *to);
/* The IME's current composition (SDL_TEXTEDITING); "" ends it. */
void ui_field_compose(struct ui_field *f, const char *comp, uint32_t now_ms);
/* 1 while a composition is open, or just ended: the Enter that commits a
 * syllable arrives around the commit (before or after it, depending on
 * the input method) and must not also submit the field. */
int ui_field_composing(const struct ui_field *f, uint32_t now_ms);
/* Editing keys: Backspace, Delete, Left, Right, Home, End (with Shift they
 * select), Ctrl+A (select all), Ctrl+C / Ctrl+X / Ctrl+V through SDL's
 * clipboard, Ctrl+U (clear). Returns 1 when the key was used. */
int ui_field_key(struct ui_field *f, const SDL_Keysym *k);
void ui_field_clear(struct ui_field *f);

/* Largest n <= max such that s[0..n) does not end inside a UTF-8
 * sequence. */
size_t ui_utf8_fit(const char *s, size_t len, size_t max);

/* ======================================================================
 * Forms: buttons, fields, rows and focus
 * ====================================================================== */

enum ui_kind { UI_KIND_BUTTON, UI_KIND_FIELD, UI_KIND_ROW };
enum ui_style { UI_STYLE_NORMAL, UI_STYLE_PRIMARY, UI_STYLE_QUIET };

struct ui_widget {
    enum ui_kind kind;
    int id;
    SDL_Rect r;
    const char *label;
    enum ui_style style;
    struct ui_field *field;
    int disabled;  /* shown, but takes no focus and no click (a full game) */
};

#define UI_MAX_WIDGETS 32

struct ui_form {
    struct ui_widget w[UI_MAX_WIDGETS];
    int n;
    int focus_id;  /* -1: nothing focused */
    int hover_id;  /* under the mouse, -1: none */
    int press_id;  /* mouse button went down on it */
    uint32_t caret_ms; /* caret blink phase: restarts on every edit */
    int select_pending; /* the focused field was not laid out when it got the focus */
};

#define UI_NONE (-1)

/* Forgets last frame's widgets; the focus goes to focus_id. */
void ui_form_reset(struct ui_form *f, int focus_id);
/* Starts a new layout (the widgets of the last frame are dropped). */
void ui_form_begin(struct ui_form *f);
struct ui_widget *ui_form_add(struct ui_form *f, enum ui_kind kind, int id, SDL_Rect r, const char *label);
const struct ui_widget *ui_form_find(const struct ui_form *f, int id);
struct ui_field *ui_form_focused_field(const struct ui_form *f);
/* Moves the focus to widget id; a field that gets it has its whole text
 * selected, so that typing replaces it. The widget may not be laid out
 * yet (a screen shown for the first time): a field is then selected when
 * it is first added. */
void ui_form_focus(struct ui_form *f, int id);
/* Moves the focus delta widgets on, wrapping, past disabled ones. */
void ui_form_step(struct ui_form *f, int delta);

/*
 * Feeds one event to the form. Returns the id of a widget the user
 * activated (a click released on it, Enter or Space on a button or row,
 * Enter on a field outside composition), else UI_NONE.
 */
int ui_form_event(struct ui_form *f, const SDL_Event *e);

/* Draws every widget (rows are drawn by their screen: this draws only
 * their hover and focus background). px is the text size. A field that
 * got the focus before it was first laid out is selected here. */
void ui_form_draw(struct ui_form *f, struct gfx *g, int px, uint32_t now_ms);
/* Draws one field (the game's chat line uses it outside a form). */
void ui_draw_field(struct gfx *g, const struct ui_field *fl, SDL_Rect r, int focused, int px, uint32_t caret_ms,
                   uint32_t now_ms, SDL_Rect *caret_out);

/* 1 when the caret is in its visible half of the blink. */
int ui_caret_on(uint32_t caret_ms, uint32_t now_ms);

#endif
