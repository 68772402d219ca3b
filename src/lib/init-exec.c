/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Init as a program of its own: oslbox-init.
 *
 * When init is a fork of the caller, the kernel copies the caller's page
 * tables and then takes a fault for every page either side writes while
 * they share it. For a small caller (the oslbox command) that is cheap; for
 * a Python or Node program of tens of MiB it costs more than the rest of the
 * sandbox's start (bench/python). So the spawn clones with CLONE_VM and
 * CLONE_VFORK instead, as posix_spawn(3) does: the child applies the layers
 * in the caller's memory while the caller waits, on a stack of its own, and
 * then executes oslbox-init, which enters the Landlock domain and runs
 * init.c from what the parent wrote into a memfd: the hand-off.
 *
 * The memfd's first page is the status page (struct spawn_shared), shared
 * by the parent and init as the anonymous page of a forked init is; the
 * hand-off follows it: a struct init_handoff, the seccomp filter, then
 * argv, envp and the exec paths, each NUL-terminated. Its fds (the message
 * and control sockets, the ruleset, the PTY slave, the memfd) are init's
 * own numbers, carried across execve(2) without close-on-exec, which
 * oslbox-init sets again at once.
 *
 * Executing oslbox-init costs about a millisecond on the nested VM where
 * this was measured, about what forking a caller of 8 MiB resident costs
 * (tests: a C caller with 0-32 MiB of its own, 9.0-11.0 ms a start forking,
 * 9.2-9.8 ms executing; a Python program of 25 MiB, which writes all over
 * its heap, 15.8 against 9.7 ms): below INIT_EXEC_MIN_KB the child is a
 * fork, as the oslbox command's is.
 *
 * Not for the landlock isolation mode or log-denials: their init answers
 * the command's seccomp notifications from plans (the view's roots, the
 * observer's tables) and addresses (init_exec_path) that live in the
 * caller's memory. They fork.
 */
#include "config.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init.h"
#include "util.h"

#ifndef PKGLIBEXECDIR
#define PKGLIBEXECDIR "/usr/local/libexec/oslbox"
#endif

#define HANDOFF_MAGIC 0x6f736c62u       /* "oslb" */

struct init_handoff {
        uint32_t magic;
        uint32_t size;          /* this header, the filter and the strings */
        int32_t sock, ctl, ruleset_fd, pty_slave;       /* -1: none */
        uint8_t keep_alive, pty_slot[3];
        uint32_t bpf_len;       /* struct sock_filter entries after the header */
        uint64_t reset;
        struct rlimit_plan rlimits;
        uint32_t argc, envc, n_paths;
        uint32_t strings;       /* bytes of strings after the filter */
};

bool init_exec_pays(void)
{
        char buf[128] = "";
        unsigned long size, resident;
        int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
        ssize_t k = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

        if (fd >= 0)
                close(fd);
        if (k <= 0 || sscanf(buf, "%lu %lu", &size, &resident) != 2)
                return true;    /* not known: the choice that never costs much */
        return resident * (unsigned long) sysconf(_SC_PAGESIZE) / 1024 >= INIT_EXEC_MIN_KB;
}

/* oslbox-init next to the file this code is in: the shared object, or for
 * a program linked with liboslbox.a, the program (a build tree's .libs/
 * has a link to the one built there, and oslbox sits beside it; a test's
 * copy of the library, a copy of it); else the installed one. */
int init_program_open(char *path, size_t size)
{
        char self[PATH_MAX];
        const char *file = NULL;
        Dl_info info;
        int fd;

        if (dladdr((void *) init_program_open, &info) && info.dli_fname && info.dli_fname[0] == '/')
                file = info.dli_fname;
        else {
                ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);
                if (k > 0 && self[0] == '/') {
                        self[k] = '\0';
                        file = self;
                }
        }
        if (file) {
                const char *slash = strrchr(file, '/');
                int n = (int) (slash - file);
                if (snprintf(path, size, "%.*s/oslbox-init", n, file) < (int) size &&
                    (fd = open(path, O_PATH | O_CLOEXEC)) >= 0)
                        return fd_move_above_stdio(fd);
        }
        snprintf(path, size, "%s", PKGLIBEXECDIR "/oslbox-init");
        fd = open(path, O_PATH | O_CLOEXEC);
        return fd < 0 ? -errno : fd_move_above_stdio(fd);
}

int init_handoff_prepare(struct init_handoff_map *m, const struct init_plan *plan, const struct init_cmd *cmd,
                         int ruleset_fd)
{
        size_t page = (size_t) sysconf(_SC_PAGESIZE), bpf, strings, size;
        struct init_handoff h = {
                .magic = HANDOFF_MAGIC, .sock = plan->sock, .ctl = plan->ctl, .ruleset_fd = ruleset_fd,
                .pty_slave = -1, .keep_alive = plan->keep_alive, .reset = cmd->reset,
        };
        char *at;
        int fd, r;

        for (int i = 0; i < 3; i++)
                h.pty_slot[i] = cmd->pty_slot[i];
        if (cmd->rlimits)
                h.rlimits = *cmd->rlimits;
        h.bpf_len = cmd->seccomp->prog.len;
        bpf = (size_t) h.bpf_len * sizeof(struct sock_filter);
        {
                size_t argc, envc, n_paths;
                strings = strv_packed_size(cmd->argv, &argc) + strv_packed_size(cmd->envp, &envc) +
                          strv_packed_size(cmd->exec_paths, &n_paths);
                h.argc = (uint32_t) argc;
                h.envc = (uint32_t) envc;
                h.n_paths = (uint32_t) n_paths;
        }
        size = sizeof(h) + bpf + strings;
        if (size > UINT32_MAX - page)
                return -E2BIG;
        h.size = (uint32_t) size;
        h.strings = (uint32_t) strings;

        fd = memfd_create("oslbox-init", MFD_CLOEXEC);
        if (fd < 0)
                return -errno;
        if ((fd = fd_move_above_stdio(fd)) < 0)
                return fd;
        m->len = page + size;
        if (ftruncate(fd, (off_t) m->len) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        m->base = mmap(NULL, m->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (m->base == MAP_FAILED) {
                r = -errno;
                m->base = NULL;
                close(fd);
                return r;
        }
        m->fd = fd;
        m->page = page;
        at = (char *) m->base + page;
        memcpy(at, &h, sizeof(h));
        m->handoff = (struct init_handoff *) at;
        at += sizeof(h);
        if (bpf)
                memcpy(at, cmd->seccomp->prog.filter, bpf);
        at += bpf;
        at = strv_pack(at, cmd->argv);
        at = strv_pack(at, cmd->envp);
        (void) strv_pack(at, cmd->exec_paths);
        init_put_uint(m->arg, (unsigned long) fd)[0] = '\0';
        m->argv[0] = (char *) "oslbox-init";
        m->argv[1] = m->arg;
        m->argv[2] = NULL;
        m->envp[0] = NULL;
        return 0;
}

/* The parent's part is done once the child has executed oslbox-init (or
 * failed): the status page stays mapped, for whoever holds it, and the
 * rest is init's. */
void init_handoff_release(struct init_handoff_map *m)
{
        if (m->base)
                (void) munmap((char *) m->base + m->page, m->len - m->page);
        m->base = NULL;
        m->handoff = NULL;
        m->fd = safe_close(m->fd);
}

static int carry(int fd)
{
        return fd < 0 || fcntl(fd, F_SETFD, 0) == 0 ? 0 : -errno;
}

int init_exec(const struct init_handoff_map *m, int prog_fd, int pty_slave)
{
        struct init_handoff *h = m->handoff;
        int r;

        h->pty_slave = pty_slave;       /* opened in the child: known only now */
        if ((r = carry(h->sock)) < 0 || (r = carry(h->ctl)) < 0 || (r = carry(h->ruleset_fd)) < 0 ||
            (r = carry(h->pty_slave)) < 0 || (r = carry(m->fd)) < 0)
                return r;
        syscall(SYS_execveat, prog_fd, "", m->argv, m->envp, AT_EMPTY_PATH);
        return -errno;
}

/* --- oslbox-init's side ---------------------------------------------------- */

static int load_strings(char **v, uint32_t n, const char **at, const char *end)
{
        for (uint32_t i = 0; i < n; i++) {
                const char *nul = memchr(*at, '\0', (size_t) (end - *at));
                if (!nul)
                        return -EBADMSG;
                v[i] = (char *) *at;
                *at = nul + 1;
        }
        v[n] = NULL;
        return 0;
}

int init_handoff_load(int fd, struct init_plan *plan, struct init_cmd *cmd, int *ret_ruleset)
{
        size_t page = (size_t) sysconf(_SC_PAGESIZE);
        static struct seccomp_plan seccomp;
        static struct rlimit_plan rlimits;
        struct init_handoff h;
        const char *at, *end;
        char **argv, **envp, **paths;
        struct stat st;
        void *base;

        if (fstat(fd, &st) < 0)
                return -errno;
        if ((size_t) st.st_size < page + sizeof(h))
                return -EBADMSG;
        base = mmap(NULL, (size_t) st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (base == MAP_FAILED)
                return -errno;
        close(fd);
        memcpy(&h, (char *) base + page, sizeof(h));
        if (h.magic != HANDOFF_MAGIC)
                return -EBADMSG;
        plan->sock = h.sock;    /* where a failure goes */
        if (h.size > (size_t) st.st_size - page ||
            (uint64_t) h.bpf_len * sizeof(struct sock_filter) > h.size - sizeof(h) ||
            /* a command or none; each string takes a byte at least */
            (h.argc > 0) != (h.n_paths > 0) || h.argc > h.strings || h.envc > h.strings ||
            h.n_paths > h.strings || h.rlimits.n > ELEMENTSOF(h.rlimits.v))
                return -EBADMSG;
        at = (char *) base + page + sizeof(h);
        end = (char *) base + page + h.size;
        seccomp = (struct seccomp_plan) { .prog = { .len = (unsigned short) h.bpf_len,
                                                    .filter = (struct sock_filter *) at } };
        at += (size_t) h.bpf_len * sizeof(struct sock_filter);
        argv = calloc(h.argc + 1, sizeof(char *));
        envp = calloc(h.envc + 1, sizeof(char *));
        paths = calloc(h.n_paths + 1, sizeof(char *));
        if (!argv || !envp || !paths)
                return -ENOMEM;
        if (load_strings(argv, h.argc, &at, end) < 0 || load_strings(envp, h.envc, &at, end) < 0 ||
            load_strings(paths, h.n_paths, &at, end) < 0)
                return -EBADMSG;
        rlimits = h.rlimits;

        *plan = (struct init_plan) { .sock = h.sock, .ctl = h.ctl, .shared = base, .keep_alive = h.keep_alive };
        plan->n_text = text_ranges(plan->text, ELEMENTSOF(plan->text));
        *cmd = (struct init_cmd) {
                .argv = h.argc ? argv : NULL,       /* none: keep-alive with no command */ .envp = envp, .exec_paths = paths, .n_exec_paths = h.n_paths,
                .pty_slot = { h.pty_slot[0], h.pty_slot[1], h.pty_slot[2] }, .pty_slave = h.pty_slave,
                .reset = h.reset, .seccomp = &seccomp, .rlimits = &rlimits,
                .stdio = { -1, -1, -1 }, .msg_sock = h.sock, .landlock_fd = -1,
        };
        *ret_ruleset = h.ruleset_fd;
        /* Close-on-exec again: the command must inherit none of them. */
        for (int i = 0; i < 3; i++) {
                int f = i == 0 ? h.sock : i == 1 ? h.ctl : h.pty_slave;
                if (f >= 0 && fcntl(f, F_SETFD, FD_CLOEXEC) < 0)
                        return -errno;
        }
        return 0;
}
