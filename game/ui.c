/*
 * Widgets: the text field (with IME composition), forms and focus.
 */
#include "ui.h"

#include <string.h>

/* The Enter that commits a composition may arrive this long after it. */
#define COMMIT_ENTER_MS 80
#define CARET_BLINK_MS 530

/* ======================================================================
 * UTF-8 stepping
 * ====================================================================== */

static int is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

size_t ui_utf8_fit(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    /* Back off continuation bytes: then s[n] starts a code point. */
    while (n > 0 && is_cont((unsigned char)s[n]))
        n--;
    return n;
}

static size_t prev_cp(const char *s, size_t i)
{
    if (i == 0)
        return 0;
    i--;
    while (i > 0 && is_cont((unsigned char)s[i]))
        i--;
    return i;
}

static size_t next_cp(const char *s, size_t len, size_t i)
{
    if (i >= len)
        return len;
    i++;
    while (i < len && is_cont((unsigned char)s[i]))
        i++;
    return i;
}

/* ======================================================================
 * Text field
 * ====================================================================== */

void ui_field_init(struct ui_field *f, size_t max_bytes, int digits, const char *placeholder)
{
    memset(f, 0, sizeof *f);
    f->max = max_bytes < UI_FIELD_MAX ? max_bytes : UI_FIELD_MAX;
    f->digits = digits;
    f->placeholder = placeholder;
}

void ui_field_clear(struct ui_field *f)
{
    f->text[0] = '\0';
    f->len = f->caret = f->anchor = 0;
    f->comp[0] = '\0';
    f->edits++;
}

void ui_field_set(struct ui_field *f, const char *s)
{
    ui_field_clear(f);
    ui_field_insert(f, s);
}

void ui_field_select_all(struct ui_field *f)
{
    f->anchor = 0;
    f->caret = f->len;
}

int ui_field_selection(const struct ui_field *f, size_t *from, size_t *to)
{
    *from = f->anchor < f->caret ? f->anchor : f->caret;
    *to = f->anchor < f->caret ? f->caret : f->anchor;
    return *from != *to;
}

/* Drops what a field must not hold: control characters (a paste can bring
 * newlines and tabs), and anything but digits in a digits field. */
static size_t filter(const struct ui_field *f, const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; *s && n + 1 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7F)
            continue;
        if (f->digits && (c < '0' || c > '9'))
            continue;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return n;
}

static void erase(struct ui_field *f, size_t from, size_t to)
{
    memmove(f->text + from, f->text + to, f->len - to + 1);
    f->len -= to - from;
    f->caret = f->anchor = from;
    f->edits++;
}

/* Removes the selection, if there is one: 1 when it did. */
static int erase_selection(struct ui_field *f)
{
    size_t from, to;
    if (!ui_field_selection(f, &from, &to))
        return 0;
    erase(f, from, to);
    return 1;
}

size_t ui_field_insert(struct ui_field *f, const char *s)
{
    char clean[UI_FIELD_MAX + 1];
    size_t n = filter(f, s, clean, sizeof clean);
    if (n == 0)
        return 0;
    erase_selection(f);
    size_t room = f->max > f->len ? f->max - f->len : 0;
    n = ui_utf8_fit(clean, n, room);
    if (n == 0)
        return 0;
    memmove(f->text + f->caret + n, f->text + f->caret, f->len - f->caret + 1);
    memcpy(f->text + f->caret, clean, n);
    f->len += n;
    f->caret += n;
    f->anchor = f->caret;
    f->edits++;
    return n;
}

void ui_field_compose(struct ui_field *f, const char *comp, uint32_t now_ms)
{
    if (f->comp[0] && !comp[0])
        f->comp_end_ms = now_ms;
    /* A composition replaces the selection, as typing would. */
    if (comp[0])
        erase_selection(f);
    /* SDL cuts long compositions at 32 bytes; ours hold whole ones. */
    size_t n = ui_utf8_fit(comp, strlen(comp), sizeof f->comp - 1);
    memcpy(f->comp, comp, n);
    f->comp[n] = '\0';
}

int ui_field_composing(const struct ui_field *f, uint32_t now_ms)
{
    return f->comp[0] != '\0' || (f->comp_end_ms && now_ms - f->comp_end_ms < COMMIT_ENTER_MS);
}

/* The caret moves to at; with shift the selection stretches, without it
 * goes. */
static void move_caret(struct ui_field *f, size_t at, int shift)
{
    f->caret = at;
    if (!shift)
        f->anchor = at;
}

/* Ctrl+C and Ctrl+X: the selection to SDL's clipboard. */
static void copy_selection(const struct ui_field *f)
{
    size_t from, to;
    if (!ui_field_selection(f, &from, &to))
        return;
    char buf[UI_FIELD_MAX + 1];
    memcpy(buf, f->text + from, to - from);
    buf[to - from] = '\0';
    SDL_SetClipboardText(buf);
}

static void paste(struct ui_field *f)
{
    if (!SDL_HasClipboardText())
        return;
    char *clip = SDL_GetClipboardText();
    if (clip && clip[0])
        ui_field_insert(f, clip);
    SDL_free(clip);
}

static int ctrl_key(struct ui_field *f, SDL_Keycode sym)
{
    switch (sym) {
    case SDLK_a:
        ui_field_select_all(f);
        return 1;
    case SDLK_c:
        copy_selection(f);
        return 1;
    case SDLK_x:
        copy_selection(f);
        erase_selection(f);
        return 1;
    case SDLK_v:
        paste(f);
        return 1;
    case SDLK_u:
        ui_field_clear(f);
        return 1;
    default:
        return 0;
    }
}

int ui_field_key(struct ui_field *f, const SDL_Keysym *k)
{
    if (f->comp[0])
        return 1; /* the input method owns the keys while it composes */
    int ctrl = (k->mod & (KMOD_CTRL | KMOD_GUI)) != 0, shift = (k->mod & KMOD_SHIFT) != 0;
    size_t from, to;
    int sel = ui_field_selection(f, &from, &to);
    if (ctrl && ctrl_key(f, k->sym))
        return 1;
    switch (k->sym) {
    case SDLK_BACKSPACE:
        if (!erase_selection(f) && f->caret > 0)
            erase(f, ctrl ? 0 : prev_cp(f->text, f->caret), f->caret);
        return 1;
    case SDLK_DELETE:
        if (!erase_selection(f) && f->caret < f->len)
            erase(f, f->caret, next_cp(f->text, f->len, f->caret));
        return 1;
    case SDLK_LEFT:
        move_caret(f, sel && !shift ? from : prev_cp(f->text, f->caret), shift);
        return 1;
    case SDLK_RIGHT:
        move_caret(f, sel && !shift ? to : next_cp(f->text, f->len, f->caret), shift);
        return 1;
    case SDLK_HOME:
        move_caret(f, 0, shift);
        return 1;
    case SDLK_END:
        move_caret(f, f->len, shift);
        return 1;
    default:
        return 0;
    }
}

/* ======================================================================
 * Forms
 * ====================================================================== */

void ui_form_reset(struct ui_form *f, int focus_id)
{
    memset(f, 0, sizeof *f);
    f->focus_id = focus_id;
    f->hover_id = f->press_id = UI_NONE;
    f->select_pending = focus_id != UI_NONE;
}

void ui_form_begin(struct ui_form *f)
{
    f->n = 0;
}

struct ui_widget *ui_form_add(struct ui_form *f, enum ui_kind kind, int id, SDL_Rect r, const char *label)
{
    if (f->n == UI_MAX_WIDGETS)
        return NULL;
    struct ui_widget *w = &f->w[f->n++];
    memset(w, 0, sizeof *w);
    w->kind = kind;
    w->id = id;
    w->r = r;
    w->label = label;
    return w;
}

const struct ui_widget *ui_form_find(const struct ui_form *f, int id)
{
    for (int i = 0; i < f->n; i++)
        if (f->w[i].id == id)
            return &f->w[i];
    return NULL;
}

struct ui_field *ui_form_focused_field(const struct ui_form *f)
{
    const struct ui_widget *w = ui_form_find(f, f->focus_id);
    return w && w->kind == UI_KIND_FIELD ? w->field : NULL;
}

/* A field that gets the focus is selected whole, as a browser's address
 * bar is: typing replaces what was there, an arrow key keeps it. */
static void focus_gained(struct ui_form *f)
{
    struct ui_field *fl = ui_form_focused_field(f);
    f->select_pending = 0;
    if (fl)
        ui_field_select_all(fl);
    else if (!ui_form_find(f, f->focus_id))
        f->select_pending = 1; /* not laid out yet: ui_form_draw does it */
}

void ui_form_focus(struct ui_form *f, int id)
{
    if (f->focus_id != id) {
        struct ui_field *old = ui_form_focused_field(f);
        if (old)
            old->comp[0] = '\0'; /* an abandoned composition is dropped */
        f->focus_id = id;
        f->caret_ms = SDL_GetTicks();
        focus_gained(f);
    }
}

void ui_form_step(struct ui_form *f, int delta)
{
    if (f->n == 0)
        return;
    int at = -1;
    for (int i = 0; i < f->n; i++)
        if (f->w[i].id == f->focus_id)
            at = i;
    if (at < 0)
        at = delta > 0 ? -1 : 0;
    for (int tries = 0; tries < f->n; tries++) {
        at = ((at + delta) % f->n + f->n) % f->n;
        if (!f->w[at].disabled) {
            ui_form_focus(f, f->w[at].id);
            return;
        }
    }
}

/* The enabled widget under a point, or UI_NONE. */
static int widget_at(const struct ui_form *f, int x, int y)
{
    SDL_Point p = { x, y };
    for (int i = f->n - 1; i >= 0; i--)
        if (SDL_PointInRect(&p, &f->w[i].r))
            return f->w[i].disabled ? UI_NONE : f->w[i].id;
    return UI_NONE;
}

static int form_key(struct ui_form *f, const SDL_KeyboardEvent *k)
{
    const struct ui_widget *w = ui_form_find(f, f->focus_id);
    struct ui_field *fl = w && w->kind == UI_KIND_FIELD ? w->field : NULL;
    SDL_Keycode sym = k->keysym.sym;
    if (fl && fl->comp[0] && sym != SDLK_TAB)
        return UI_NONE; /* keys belong to the input method while it composes */
    switch (sym) {
    case SDLK_TAB:
        ui_form_step(f, (k->keysym.mod & KMOD_SHIFT) ? -1 : 1);
        return UI_NONE;
    case SDLK_DOWN:
        ui_form_step(f, 1);
        return UI_NONE;
    case SDLK_UP:
        ui_form_step(f, -1);
        return UI_NONE;
    case SDLK_RETURN:
    case SDLK_KP_ENTER:
        if (fl && ui_field_composing(fl, SDL_GetTicks()))
            return UI_NONE;
        return w && !w->disabled ? w->id : UI_NONE;
    case SDLK_SPACE:
        return w && !fl && !w->disabled ? w->id : UI_NONE;
    case SDLK_LEFT:
    case SDLK_RIGHT:
        if (!fl) {
            ui_form_step(f, sym == SDLK_LEFT ? -1 : 1);
            return UI_NONE;
        }
        break;
    default:
        break;
    }
    if (fl && ui_field_key(fl, &k->keysym))
        f->caret_ms = SDL_GetTicks();
    return UI_NONE;
}

int ui_form_event(struct ui_form *f, const SDL_Event *e)
{
    struct ui_field *fl = ui_form_focused_field(f);
    switch (e->type) {
    case SDL_KEYDOWN:
        return form_key(f, &e->key);
    case SDL_TEXTINPUT:
        if (fl) {
            if (fl->comp[0])
                fl->comp_end_ms = SDL_GetTicks();
            fl->comp[0] = '\0';
            ui_field_insert(fl, e->text.text);
            f->caret_ms = SDL_GetTicks();
        }
        return UI_NONE;
    case SDL_TEXTEDITING:
        if (fl)
            ui_field_compose(fl, e->edit.text, SDL_GetTicks());
        return UI_NONE;
    case SDL_MOUSEMOTION:
        f->hover_id = widget_at(f, e->motion.x, e->motion.y);
        return UI_NONE;
    case SDL_MOUSEBUTTONDOWN:
        if (e->button.button != SDL_BUTTON_LEFT)
            return UI_NONE;
        f->press_id = widget_at(f, e->button.x, e->button.y);
        if (f->press_id != UI_NONE)
            ui_form_focus(f, f->press_id);
        return UI_NONE;
    case SDL_MOUSEBUTTONUP: {
        if (e->button.button != SDL_BUTTON_LEFT)
            return UI_NONE;
        int id = widget_at(f, e->button.x, e->button.y), pressed = f->press_id;
        f->press_id = UI_NONE;
        const struct ui_widget *w = ui_form_find(f, id);
        return id != UI_NONE && id == pressed && w && w->kind != UI_KIND_FIELD ? id : UI_NONE;
    }
    default:
        return UI_NONE;
    }
}

/* ======================================================================
 * Drawing
 * ====================================================================== */

int ui_caret_on(uint32_t caret_ms, uint32_t now_ms)
{
    return ((now_ms - caret_ms) / CARET_BLINK_MS) % 2 == 0;
}

static int prefix_width(struct gfx *g, int px, const char *s, size_t n)
{
    char buf[UI_FIELD_MAX + UI_COMP_MAX + 1];
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return gfx_text_width(g, FONT_REGULAR, px, buf);
}

void ui_draw_field(struct gfx *g, const struct ui_field *fl, SDL_Rect r, int focused, int px, uint32_t caret_ms,
                   uint32_t now_ms, SDL_Rect *caret_out)
{
    int rad = r.h / 4;
    gfx_round_rect(g, r, rad, focused ? UI_ACCENT : UI_LINE);
    SDL_Rect in = { r.x + 2, r.y + 2, r.w - 4, r.h - 4 };
    gfx_round_rect(g, in, rad - 1, UI_INSET);

    /* What is shown: text before the caret, the composition, the rest. */
    char shown[UI_FIELD_MAX + UI_COMP_MAX + 1];
    size_t comp_len = strlen(fl->comp);
    memcpy(shown, fl->text, fl->caret);
    memcpy(shown + fl->caret, fl->comp, comp_len);
    memcpy(shown + fl->caret + comp_len, fl->text + fl->caret, fl->len - fl->caret + 1);

    int pad = px / 2 + 2, inner = in.w - 2 * pad;
    int lh = gfx_line_height(g, FONT_REGULAR, px);
    int ty = in.y + (in.h - lh) / 2;
    int caret_x = prefix_width(g, px, shown, fl->caret + comp_len);
    int scroll = caret_x > inner - 2 ? caret_x - (inner - 2) : 0;
    int x0 = in.x + pad - scroll;

    SDL_Rect clip = { in.x + 2, in.y, in.w - 4, in.h };
    SDL_RenderSetClipRect(g->ren, &clip);
    size_t from, to;
    if (focused && !comp_len && ui_field_selection(fl, &from, &to)) {
        int sx0 = prefix_width(g, px, fl->text, from), sx1 = prefix_width(g, px, fl->text, to);
        SDL_Color sel = UI_ACCENT;
        sel.a = 150;
        gfx_fill(g, (SDL_Rect){ x0 + sx0, ty, sx1 - sx0, lh }, sel);
    }
    if (shown[0])
        gfx_draw_text(g, FONT_REGULAR, px, UI_TEXT, shown, x0, ty, GFX_LEFT);
    else if (fl->placeholder && !focused)
        gfx_draw_text(g, FONT_REGULAR, px, UI_DIM, fl->placeholder, x0, ty, GFX_LEFT);
    if (comp_len) { /* underline what the input method is still composing */
        int cx0 = prefix_width(g, px, shown, fl->caret);
        gfx_fill(g, (SDL_Rect){ x0 + cx0, ty + lh - 2, caret_x - cx0, 2 }, UI_GOLD);
    }
    SDL_Rect caret = { x0 + caret_x, ty + 1, 2, lh - 2 };
    if (focused && (comp_len || ui_caret_on(caret_ms, now_ms)))
        gfx_fill(g, caret, comp_len ? UI_GOLD : UI_TEXT);
    SDL_RenderSetClipRect(g->ren, NULL);
    if (caret_out)
        *caret_out = caret;
}

static void draw_button(struct gfx *g, const struct ui_widget *w, int hover, int focused, int px)
{
    SDL_Color bg = w->style == UI_STYLE_PRIMARY ? (hover ? UI_ACCENT_HI : UI_ACCENT)
                                                : (hover ? UI_BUTTON_HI : UI_BUTTON);
    if (w->style == UI_STYLE_QUIET && !hover)
        bg = UI_PANEL;
    int rad = w->r.h / 4;
    SDL_Rect r = w->r;
    if (focused) { /* a focus ring outside the button */
        gfx_round_rect(g, (SDL_Rect){ r.x - 3, r.y - 3, r.w + 6, r.h + 6 }, rad + 3, UI_GOLD);
        gfx_round_rect(g, (SDL_Rect){ r.x - 1, r.y - 1, r.w + 2, r.h + 2 }, rad + 1, UI_BG);
    }
    gfx_round_rect(g, r, rad, bg);
    int lh = gfx_line_height(g, FONT_BOLD, px);
    gfx_draw_text(g, FONT_BOLD, px, UI_TEXT, w->label, r.x + r.w / 2, r.y + (r.h - lh) / 2, GFX_CENTER);
}

void ui_form_draw(struct ui_form *f, struct gfx *g, int px, uint32_t now_ms)
{
    if (f->select_pending && ui_form_find(f, f->focus_id))
        focus_gained(f); /* the focused field is laid out now */
    for (int i = 0; i < f->n; i++) {
        const struct ui_widget *w = &f->w[i];
        int focused = w->id == f->focus_id, hover = w->id == f->hover_id;
        switch (w->kind) {
        case UI_KIND_BUTTON:
            draw_button(g, w, hover, focused, px);
            break;
        case UI_KIND_FIELD:
            ui_draw_field(g, w->field, w->r, focused, px, f->caret_ms, now_ms, NULL);
            break;
        case UI_KIND_ROW:
            if (w->disabled)
                break;
            if (focused || hover)
                gfx_round_rect(g, w->r, 6, focused ? UI_BUTTON_HI : UI_BUTTON);
            if (focused)
                gfx_fill(g, (SDL_Rect){ w->r.x, w->r.y + 4, 3, w->r.h - 8 }, UI_GOLD);
            break;
        }
    }
}
