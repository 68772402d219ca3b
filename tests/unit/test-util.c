/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tap.h"
#include "util.h"

static void durations(void)
{
        static const struct { const char *in; int r; uint64_t ms; } cases[] = {
                { "500ms", 0, 500 }, { "30s", 0, 30000 }, { "5m", 0, 300000 }, { "1h", 0, 3600000 },
                { "7", 0, 7000 }, { "0", 0, 0 }, { "-1s", -EINVAL, 0 }, { "", -EINVAL, 0 },
                { "5x", -EINVAL, 0 }, { "1.5s", -EINVAL, 0 }, { "s", -EINVAL, 0 },
                { "99999999999999999999s", -ERANGE, 0 }, { "9999999999999h", -ERANGE, 0 },
                { "18446744073710ms", -ERANGE, 0 }, { "9223372036854ms", 0, 9223372036854ULL },
                { "9223372036855ms", -ERANGE, 0 },
                { " 5s", -EINVAL, 0 }, { "5s ", -EINVAL, 0 },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                uint64_t ms = 12345;
                int r = parse_duration_ms(cases[i].in, &ms);
                tap_ok(r == cases[i].r && (r < 0 || ms == cases[i].ms), "duration '%s' -> %d %llu",
                       cases[i].in, cases[i].r, (unsigned long long) cases[i].ms);
        }
}

static void sizes(void)
{
        static const struct { const char *in; int r; uint64_t v; } cases[] = {
                { "64M", 0, 64ULL << 20 }, { "1G", 0, 1ULL << 30 }, { "4096", 0, 4096 }, { "2K", 0, 2048 },
                { "1T", 0, 1ULL << 40 }, { "64MB", -EINVAL, 0 }, { "-1", -EINVAL, 0 },
                { "99999999999T", -ERANGE, 0 }, { "", -EINVAL, 0 },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                uint64_t v = 1;
                int r = parse_size(cases[i].in, &v);
                tap_ok(r == cases[i].r && (r < 0 || v == cases[i].v), "size '%s'", cases[i].in);
        }
}

static void paths(void)
{
        static const struct { const char *in, *base, *out; } cases[] = {
                { "/a/b", NULL, "/a/b" }, { "/a//b/", NULL, "/a/b" }, { "/a/./b/../c", NULL, "/a/c" },
                { ".", "/home/u", "/home/u" }, { "x/y", "/home/u", "/home/u/x/y" },
                { "../v", "/home/u", "/home/v" }, { "/..", NULL, "/" }, { "../../..", "/a", "/" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *out = NULL;
                int r = path_make_absolute(cases[i].in, cases[i].base, &out);
                tap_ok(r == 0 && out && strcmp(out, cases[i].out) == 0, "path '%s' in '%s' -> '%s' (got '%s')",
                       cases[i].in, cases[i].base ? cases[i].base : "", cases[i].out, out ? out : "");
                free(out);
        }
        {
                char *out = NULL;
                tap_ok(path_make_absolute("rel", NULL, &out) == -EINVAL && !out,
                       "a relative path without base is refused");
        }
        tap_ok(path_startswith("/home/u/x", "/home/u"), "/home/u/x is below /home/u");
        tap_ok(!path_startswith("/home/user", "/home/u"), "/home/user is not below /home/u");
        tap_ok(path_startswith("/home", "/"), "everything is below /");
}

static void strvs(void)
{
        struct strv s = {};
        for (int i = 0; i < 100; i++)
                strv_pushf(&s, "item %d", i);
        tap_ok(s.n == 100 && strcmp(s.v[99], "item 99") == 0 && s.v[100] == NULL,
               "strv grows and stays NULL-terminated");
        strv_done(&s);
        tap_ok(s.v == NULL && s.n == 0, "strv_done empties it");
}

int main(void)
{
        durations();
        sizes();
        paths();
        strvs();
        return tap_done();
}
