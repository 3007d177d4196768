/* The platform-neutral part of the sys layer (net/sys/sys_common.c): address
 * parsing and error texts, the same on Linux and Windows. */
#include "check.h"
#include "sys.h"

static void t_hostport(void)
{
    char host[64];
    uint16_t port;
    CHECK_INT(sys_parse_hostport("127.0.0.1", host, sizeof host, &port, 9090), 0);
    CHECK_STR(host, "127.0.0.1");
    CHECK_INT(port, 9090);
    CHECK_INT(sys_parse_hostport("localhost:1234", host, sizeof host, &port, 9090), 0);
    CHECK_STR(host, "localhost");
    CHECK_INT(port, 1234);
    CHECK_INT(sys_parse_hostport(":0", host, sizeof host, &port, 9090), 0);
    CHECK_STR(host, "");
    CHECK_INT(port, 0);
    CHECK_INT(sys_parse_hostport("[::1]:65535", host, sizeof host, &port, 9090), 0);
    CHECK_STR(host, "::1");
    CHECK_INT(port, 65535);
    CHECK_INT(sys_parse_hostport("::1", host, sizeof host, &port, 9090), 0);
    CHECK_STR(host, "::1");
    CHECK_INT(port, 9090);
}

static void t_hostport_bad(void)
{
    char host[8];
    uint16_t port;
    CHECK_INT(sys_parse_hostport("h:65536", host, sizeof host, &port, 1), SYS_E_INVAL);
    CHECK_INT(sys_parse_hostport("h:12x", host, sizeof host, &port, 1), SYS_E_INVAL);
    CHECK_INT(sys_parse_hostport("h:", host, sizeof host, &port, 1), SYS_E_INVAL);
    CHECK_INT(sys_parse_hostport("[::1", host, sizeof host, &port, 1), SYS_E_INVAL);
    CHECK_INT(sys_parse_hostport("a-very-long-host", host, sizeof host, &port, 1), SYS_E_INVAL);
}

static void t_ipv4(void)
{
    CHECK(sys_ipv4_valid("127.0.0.1"));
    CHECK(sys_ipv4_valid("0.0.0.0"));
    CHECK(sys_ipv4_valid("1.255.255.255")); /* every part may reach 255 */
    CHECK(!sys_ipv4_valid("256.0.0.1"));
    CHECK(!sys_ipv4_valid("127.0.0"));
    CHECK(!sys_ipv4_valid("127.0.0.1.5"));
    CHECK(!sys_ipv4_valid("127.00.0.1"));
    CHECK(!sys_ipv4_valid("127.0.0.1 "));
    CHECK(!sys_ipv4_valid("localhost"));
    CHECK(!sys_ipv4_valid(""));
    CHECK(!sys_ipv4_valid(NULL));
}

static void t_numbers(void)
{
    uint16_t w = 0, h = 0;
    CHECK_INT(sys_parse_num("9090", 0, 65535), 9090);
    CHECK_INT(sys_parse_num("0", 0, 65535), 0);
    CHECK_INT(sys_parse_num("65536", 0, 65535), -1);
    CHECK_INT(sys_parse_num("12a", 0, 100), -1);
    CHECK_INT(sys_parse_num("", 0, 100), -1);
    CHECK_INT(sys_parse_num(NULL, 0, 100), -1);
    CHECK_INT(sys_parse_size("400x300", &w, &h), 0);
    CHECK_INT(w, 400);
    CHECK_INT(h, 300);
    CHECK_INT(sys_parse_size("0x8", &w, &h), -1);
    CHECK_INT(sys_parse_size("8x", &w, &h), -1);
    CHECK_INT(sys_parse_size("8*8", &w, &h), -1);
    CHECK_INT(sys_parse_size("65536x1", &w, &h), -1);
}

static void t_strerror(void)
{
    CHECK_STR(sys_strerror(0), "ok");
    CHECK_STR(sys_strerror(SYS_E_ADDRINUSE), "address already in use");
    CHECK_STR(sys_strerror(SYS_E_CONNREFUSED), "connection refused");
    /* The protocol's codes are named a layer up (client_strerror). */
    CHECK_STR(sys_strerror(-3), "unknown error");
    CHECK_STR(sys_strerror(-12345), "unknown error");
}

static const struct check_case tests[] = {
    CHECK_CASE(t_hostport), CHECK_CASE(t_hostport_bad), CHECK_CASE(t_ipv4), CHECK_CASE(t_numbers), CHECK_CASE(t_strerror), {0},
};

CHECK_MAIN(tests)
