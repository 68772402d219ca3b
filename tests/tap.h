/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A minimal TAP producer for the C unit tests. */
#pragma once

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

static inline void __attribute__((format(printf, 2, 3))) tap_ok(int cond, const char *fmt, ...)
{
        va_list ap;
        printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
        fflush(stdout);
        if (!cond)
                tap_failed++;
}

static inline void __attribute__((format(printf, 1, 2))) tap_skip(const char *fmt, ...)
{
        va_list ap;
        printf("ok %d # SKIP ", ++tap_n);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
}

static inline void __attribute__((format(printf, 1, 2))) tap_diag(const char *fmt, ...)
{
        va_list ap;
        fputs("# ", stdout);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
}

#define tap_is_str(got, want, ...) do { \
                const char *g_ = (got), *w_ = (want); \
                int c_ = g_ && w_ && strcmp(g_, w_) == 0; \
                tap_ok(c_, __VA_ARGS__); \
                if (!c_) tap_diag("got '%s', want '%s'", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
        } while (0)

#define tap_is_int(got, want, ...) do { \
                long long g_ = (long long) (got), w_ = (long long) (want); \
                tap_ok(g_ == w_, __VA_ARGS__); \
                if (g_ != w_) tap_diag("got %lld, want %lld", g_, w_); \
        } while (0)

static inline int tap_done(void)
{
        printf("1..%d\n", tap_n);
        return tap_failed ? 1 : 0;
}
