/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SHA-256 against the FIPS 180-4 examples and block-boundary lengths. */
#include "config.h"

#include "sha256.h"
#include "tap.h"

int main(void)
{
        static const struct { const char *in, *hex; } v[] = {
                { "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
                { "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
                { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
                { "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
                  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
        };
        char hex[65];
        static char a[1000000];

        for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
                sha256_hex(v[i].in, strlen(v[i].in), hex);
                tap_is_str(hex, v[i].hex, "sha256 of a %zu-byte message", strlen(v[i].in));
        }
        memset(a, 'a', sizeof(a));
        sha256_hex(a, sizeof(a), hex);
        tap_is_str(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
                   "sha256 of a million 'a'");
        return tap_done();
}
