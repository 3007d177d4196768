/*
 * The GUI cases that live outside guitest.c, for its table: the lobby
 * (lobby.c) and the game screen (play.c), issue 9's points each.
 */
#ifndef PAWN_TESTS_GUI_CASES_H
#define PAWN_TESTS_GUI_CASES_H

void case_join_errors(void);
void case_text_fields(void);
void case_prefs_quit(void);
void case_lan_address(void);
void case_font_missing(void);

void case_chat_scroll(void);
void case_nothing_covered(void);
void case_sound(void);
void case_flood(void);

/* Waits for a hook line starting with prefix from *cur on; a timeout or an
 * ended game is a failure (what says what was expected). 0 or -1. */
int expect_hook(struct game *g, size_t *cur, const char *prefix, char *line, size_t cap, int timeout_ms,
                const char *what);
/* Presses keys (xdotool names, space-separated: "ctrl+a BackSpace"). */
void keys(struct game *g, const char *k);
/* Clicks the centre of the rectangle "x=.. y=.. w=.. h=.." in a hook line. */
int click_rect_in(struct game *g, const char *line);

#endif
