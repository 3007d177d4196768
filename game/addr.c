/*
 * The typed address check (addr.h). Whatever it lets through is either a
 * numeric IPv4 address (connected to without a lookup) or a well-formed
 * computer name; everything else is refused here with the reason.
 */
#include "addr.h"

#include <stdio.h>
#include <string.h>

#include "sys.h"

#define EXAMPLE "192.168.0.12:9090"

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_alnum(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A computer name as RFC 1123 has them: labels of 1..63 letters, digits
 * and '-' (not at either end), joined by single dots, 253 bytes at most. */
static int name_ok(const char *s, size_t n)
{
    if (n == 0 || n > 253)
        return 0;
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0 || s[i - 1] == '-')
                return 0;
            label = 0;
            continue;
        }
        if (!is_alnum(c) && !(c == '-' && label > 0))
            return 0;
        if (++label > 63)
            return 0;
    }
    return label > 0 && s[n - 1] != '-';
}

static int all_digits_dots(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]) && s[i] != '.')
            return 0;
    return 1;
}

static int refuse(char *why, size_t whylen, const char *fmt, const char *shown)
{
    snprintf(why, whylen, fmt, shown);
    return -1;
}

int addr_parse(const char *typed, uint16_t defport, char *host, size_t hostlen, uint16_t *port, char *why,
               size_t whylen)
{
    char s[256];
    while (is_space(*typed))
        typed++;
    size_t n = strlen(typed);
    while (n > 0 && is_space(typed[n - 1]))
        n--;
    if (n == 0)
        return refuse(why, whylen, "Type the address of a game first (for example %s).", EXAMPLE);
    if (n >= sizeof s)
        return refuse(why, whylen, "That address is far too long: use HOST or HOST:PORT, like %s.", EXAMPLE);
    memcpy(s, typed, n);
    s[n] = '\0';

    for (size_t i = 0; i < n; i++)
        if (is_space(s[i]))
            return refuse(why, whylen, "'%s' has a space in it: an address is one word, HOST or HOST:PORT.", s);
    if (s[0] == '[')
        return refuse(why, whylen, "'%s' is an IPv6 address: Pawn Party needs the computer's IPv4 address "
                                   "(like 192.168.0.12).", s);
    char *colon = strchr(s, ':');
    if (colon && strchr(colon + 1, ':')) {
        /* Only hex digits and colons: an IPv6 address; else two ports. */
        size_t hex = strspn(s, "0123456789abcdefABCDEF:");
        if (hex == n)
            return refuse(why, whylen, "'%s' is an IPv6 address: Pawn Party needs the computer's IPv4 address "
                                       "(like 192.168.0.12).", s);
        return refuse(why, whylen, "'%s' has more than one ':': use HOST:PORT with one port.", s);
    }
    *port = defport;
    if (colon) {
        const char *p = colon + 1;
        if (!*p)
            return refuse(why, whylen, "'%s' ends with ':' but no port: use HOST:PORT, like " EXAMPLE ".", s);
        long v = 0;
        for (const char *q = p; *q; q++) {
            if (!is_digit(*q))
                return refuse(why, whylen, "The port in '%s' is not a number: use HOST:PORT, like " EXAMPLE ".", s);
            if (v <= 65535)
                v = v * 10 + (*q - '0');
        }
        if (v < 1 || v > 65535)
            return refuse(why, whylen, "The port in '%s' is out of range: ports go from 1 to 65535.", s);
        *port = (uint16_t)v;
        *colon = '\0';
    }
    size_t hn = strlen(s);
    if (hn == 0)
        return refuse(why, whylen, "'%s' has no computer before the port: use HOST:PORT, like " EXAMPLE ".", typed);
    if (all_digits_dots(s, hn)) {
        /* A resolver would take "10.1" or "12345" as an address of its
         * own, old-fashioned kind: only the four-number form is meant. */
        if (!sys_ipv4_valid(s))
            return refuse(why, whylen, "'%s' is not an IPv4 address: it needs four numbers from 0 to 255 with "
                                       "dots, like 192.168.0.12.", s);
    } else if (!name_ok(s, hn)) {
        return refuse(why, whylen, "'%s' is not an address: use the computer's IP address (like 192.168.0.12) "
                                   "or its name (letters, digits, '-' and '.').", s);
    }
    if (hn + 1 > hostlen)
        return refuse(why, whylen, "'%s' is too long for a computer name.", s);
    memcpy(host, s, hn + 1);
    return 0;
}
