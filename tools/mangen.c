/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Build tool: copies a man page source from stdin to stdout, replacing the
 * line "@OPTIONS@" with the option table as an mdoc list, so that the man
 * pages cannot drift from the table.
 *
 *   mangen cli|policy|none < page.in > page   the page
 *   mangen names cli|policy                   the names the page documents
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <oslbox.h>

/* Writes TEXT as mdoc text lines: each sentence starts a line (mdoc wants
 * that for its spacing), lines stay within 78 bytes, backslashes escaped. */
static void put_text(const char *text)
{
        int col = 0;

        for (const char *p = text ? text : ""; *p;) {
                const char *end = p;
                int n, extra = 0;

                while (*end && *end != ' ')
                        end++;
                n = (int) (end - p);
                for (const char *q = p; q < end; q++)
                        extra += *q == '\\';
                if (col > 0 && col + 1 + n + extra > 78) {
                        putchar('\n');
                        col = 0;
                } else if (col > 0) {
                        putchar(' ');
                        col++;
                }
                /* A line starting with . or ' would be a request (".git/config"). */
                if (col == 0 && (*p == '.' || *p == '\''))
                        fputs("\\&", stdout);
                for (const char *q = p; q < end; q++)
                        fputs(*q == '\\' ? "\\e" : (char[]) { *q, 0 }, stdout);
                col += n + extra;
                /* A sentence ends: the next starts a line. */
                if (n > 1 && end[-1] == '.' && *end == ' ') {
                        putchar('\n');
                        col = 0;
                }
                p = *end ? end + 1 : end;
        }
        if (col > 0)
                putchar('\n');
}

static int documented(const struct oslbox_option *o, const char *mode)
{
        return strcmp(mode, "cli") == 0 || !(o->flags & OSLBOX_OPTION_CLI_ONLY);
}

static void options_list(const char *mode)
{
        const struct oslbox_option *o;

        printf(".Bl -tag -width Ds\n");
        for (size_t i = 0; (o = oslbox_option_get(i)); i++) {
                if (!documented(o, mode))
                        continue;
                if (strcmp(mode, "cli") == 0)
                        printf(".It Fl \\-%s", o->name);
                else
                        printf(".It Ic %s", o->name);
                if (o->metavar)
                        printf(" Ar %s", o->metavar);
                putchar('\n');
                put_text(o->help);
                if (o->flags & OSLBOX_OPTION_LIST)
                        printf("May be given more than once.\n");
        }
        printf(".El\n");
}

int main(int argc, char **argv)
{
        char line[4096];
        const char *mode = argc > 1 ? argv[1] : "";

        if (strcmp(mode, "names") == 0 && argc > 2) {
                const struct oslbox_option *o;
                for (size_t i = 0; (o = oslbox_option_get(i)); i++)
                        if (documented(o, argv[2]))
                                printf("%s\n", o->name);
                return 0;
        }
        if (strcmp(mode, "cli") != 0 && strcmp(mode, "policy") != 0 && strcmp(mode, "none") != 0) {
                fprintf(stderr, "usage: mangen cli|policy|none < page.in, or mangen names cli|policy\n");
                return 2;
        }
        while (fgets(line, sizeof(line), stdin)) {
                if (strcmp(line, "@OPTIONS@\n") == 0 && strcmp(mode, "none") != 0)
                        options_list(mode);
                else
                        fputs(line, stdout);
        }
        return ferror(stdin) || fflush(stdout) != 0 ? 1 : 0;
}
