/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The landlock isolation mode: for callers who cannot create namespaces (a
 * container's seccomp profile, a restricted or disabled user namespace, a
 * covered /proc). Guarantees, without any namespace: the default view held
 * by Landlock alone (read and execute on the system directories, read on
 * /proc, the device nodes of the view, everything on the working directory
 * and the rw paths, nothing else of the host), with HOME and TMPDIR in a
 * private directory made for the run and removed after it; the command
 * cannot signal or ptrace anything outside its Landlock domain (scoping,
 * ABI 6; seccomp denies ptrace), and so not the sandbox's init, which stays
 * outside the domain to mediate what Landlock cannot (notify.c) and to tear
 * the sandbox down (init.c); seccomp denies what a namespace would have
 * kept apart (seccomp-rules.c).
 *
 * The parent opens every object of the view itself, as the mount plan does
 * (O_PATH, through no symbolic link, canonical paths), and adds the rules
 * to the ruleset from those fds before clone: the command only calls
 * landlock_restrict_self(). Host secrets the view hides from a root caller
 * (/etc/shadow, sshd's keys) are left out by giving each other entry of
 * their directories a rule of its own.
 *
 * Needs Landlock ABI 3 (Linux 6.2): below it truncate(2) is not checked and
 * a read-only file could be emptied. Needs ABI 6 (Linux 6.12) for signal
 * scoping, unless no-signal-scoping relaxes it. A directive it cannot honour
 * (hostname, tmpfs, ro inside a writable path, protect-git in a work tree,
 * require userns) is a refusal naming the directive and the remedy.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "isolation.h"
#include "proc.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

#define REMEDY "use --isolation namespaces where this host allows it"
/* Deeper subtrees of the private directory are moved up before removal. */
#define PRIVDIR_MAX_DEPTH 48

int isolation_check(const struct osb_config *cfg, int abi, struct osb_diag *diag)
{
        if (abi < 1)
                return diag_set(diag, -EOPNOTSUPP, "the landlock isolation mode needs Landlock, which this "
                                "kernel does not offer (landlock_create_ruleset: %s): boot Linux >= 6.2 with "
                                "landlock in the lsm= list (lsm=landlock,yama,apparmor, say), or " REMEDY,
                                landlock_missing());
        if (abi < 3)
                return diag_set(diag, -EOPNOTSUPP, "the landlock isolation mode needs Landlock ABI 3 (Linux 6.2) "
                                "to keep read-only files from being truncated, and this kernel has ABI %d: "
                                REMEDY, abi);
        if (cfg->require_userns)
                return diag_set(diag, -EOPNOTSUPP, "require userns: the landlock isolation mode uses no "
                                "namespaces; use --isolation namespaces (or auto) where this host allows them");
        if (cfg->hostname && strcmp(cfg->hostname, OSB_DEFAULT_HOSTNAME) != 0)
                return diag_set(diag, -EOPNOTSUPP, "hostname %s: the landlock isolation mode has no uts "
                                "namespace, the host name stays the host's: drop the directive, or " REMEDY,
                                cfg->hostname);
        for (size_t i = 0; i < cfg->mounts.n; i++)
                if (cfg->mounts.v[i].kind == OSB_MOUNT_TMPFS)
                        return diag_set(diag, -EOPNOTSUPP, "tmpfs %s: the landlock isolation mode has no mount "
                                        "namespace to mount it in: drop the directive, or " REMEDY,
                                        cfg->mounts.v[i].value);
        if (cfg->host_view)
                return diag_set(diag, -EOPNOTSUPP, "host-view: the landlock isolation mode cannot tell a use of "
                                "the rest of the host from one of the view, so it would be shown unreported: drop "
                                "the directive (oslbox learn: give --isolation landlock for a trial run in the "
                                "policy's own view), or " REMEDY);
        if (abi < 6 && !cfg->signals_unscoped)
                return diag_set(diag, -EOPNOTSUPP, "the landlock isolation mode needs Landlock ABI 6 (Linux "
                                "6.12) to keep the command from signalling processes outside the sandbox, and "
                                "this kernel has ABI %d: " REMEDY ", or --no-signal-scoping to run without", abi);
        return 0;
}

static int refuse_git(const char *git, struct osb_diag *diag)
{
        return diag_set(diag, -EOPNOTSUPP, "protect-git: the landlock isolation mode cannot keep %s/config and "
                        "hooks read-only inside the writable working directory (Landlock rights add up down the "
                        "tree): " REMEDY ", or --no-protect-git", git);
}

/* What needs the mount plan: a read-only place inside a writable one, and
 * the read-only parts of .git (protect-git). Landlock rights add up down
 * the tree: neither can be narrowed below the writable rule. */
static int check_plan(const struct mount_plan *m, struct osb_diag *diag)
{
        _cleanup_free_ char *git = strdup_printf("%s/.git", m->cwd);

        if (!git)
                return diag_errno(diag, -ENOMEM, "cannot plan the Landlock rules");
        for (size_t i = 0; i < m->n_ops; i++) {
                const struct mount_op *op = &m->ops[i];
                if (path_startswith(op->dst, git))
                        return refuse_git(git, diag);
                if (op->kind != MOUNT_OP_BIND || op->access != VIEW_RO)
                        continue;
                for (size_t j = 0; j < m->n_ops; j++)
                        if (j != i && m->ops[j].kind == MOUNT_OP_BIND && m->ops[j].access == VIEW_RW &&
                            path_startswith(op->dst, m->ops[j].dst))
                                return diag_set(diag, -EOPNOTSUPP, "ro %s: the landlock isolation mode cannot make "
                                                "a path inside the writable %s read-only (Landlock rights add up "
                                                "down the tree): drop the directive, or " REMEDY, op->dst,
                                                m->ops[j].dst);
        }
        return 0;
}

static int add_root(struct isolation_plan *plan, const struct stat *st, bool writable)
{
        if (plan->n_roots == plan->cap_roots) {
                size_t cap = plan->cap_roots ? plan->cap_roots * 2 : 32;
                struct notify_root *v = realloc(plan->roots, cap * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                plan->roots = v;
                plan->cap_roots = cap;
        }
        plan->roots[plan->n_roots++] = (struct notify_root) {
                .dev = st->st_dev, .ino = st->st_ino, .dir = S_ISDIR(st->st_mode), .writable = writable,
        };
        return 0;
}

/* A rule for the host object FD; ROOT: a place of the view for notify.c
 * (not a directory given only read_dir, nor /proc); KNOWN: FD's stat when
 * the caller has it (split() has, for each of /etc's many entries). */
static int add(struct landlock_plan *ll, struct isolation_plan *plan, int fd, uint64_t access, bool root,
               const struct stat *known, const char *path, struct osb_diag *diag)
{
        struct stat st;
        int r;

        if (!access)
                return 0;
        if ((r = landlock_add_host_rule(ll, fd, access)) < 0)
                return diag_errno(diag, r, "cannot add the Landlock rule for %s", path);
        if (!root)
                return 0;
        if (known)
                st = *known;
        else if (fstat(fd, &st) < 0)
                return diag_errno(diag, -errno, "cannot add the Landlock rule for %s", path);
        if ((r = add_root(plan, &st, access & LANDLOCK_ACCESS_FS_WRITE_FILE)) < 0)
                return diag_errno(diag, r, "cannot plan the Landlock rules");
        return 0;
}

static bool is_hidden(const struct mount_plan *m, const char *path)
{
        for (size_t i = 0; i < m->n_ops; i++)
                if (m->ops[i].kind == MOUNT_OP_HIDE && strcmp(m->ops[i].dst, path) == 0)
                        return true;
        return false;
}

static bool hides_below(const struct mount_plan *m, const char *dir)
{
        for (size_t i = 0; i < m->n_ops; i++)
                if (m->ops[i].kind == MOUNT_OP_HIDE && strcmp(m->ops[i].dst, dir) != 0 &&
                    path_startswith(m->ops[i].dst, dir))
                        return true;
        return false;
}

/* The directory DIR_FD (at PATH) with ACCESS, but for the hidden entries
 * below it: read_dir on it, a rule for each other entry. */
static int split(struct landlock_plan *ll, struct isolation_plan *plan, const struct mount_plan *m, int dir_fd,
                 const char *path, enum view_access access, int abi, struct osb_diag *diag)
{
        DIR *d;
        struct dirent *de;
        int r, rd;

        if ((r = add(ll, plan, dir_fd, landlock_rights(access, abi, false) & LANDLOCK_ACCESS_FS_READ_DIR, false, NULL,
                     path, diag)) < 0)
                return r;
        rd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rd < 0 || !(d = fdopendir(rd))) {
                r = -errno;
                safe_close(rd);
                return diag_errno(diag, r, "cannot list %s", path);
        }
        r = 0;
        while (r == 0 && (de = readdir(d))) {
                _cleanup_free_ char *child = NULL;
                struct stat st;
                int fd;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                child = strdup_printf("%s/%s", strcmp(path, "/") == 0 ? "" : path, de->d_name);
                if (!child) {
                        r = diag_errno(diag, -ENOMEM, "cannot plan the Landlock rules");
                        break;
                }
                if (is_hidden(m, child))
                        continue;
                fd = openat(dir_fd, de->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        continue;       /* gone meanwhile */
                if (fstat(fd, &st) == 0 && !S_ISLNK(st.st_mode)) {
                        /* A symbolic link needs no rule: its target has its own. */
                        if (S_ISDIR(st.st_mode) && hides_below(m, child))
                                r = split(ll, plan, m, fd, child, access, abi, diag);
                        else
                                r = add(ll, plan, fd, landlock_rights(access, abi, !S_ISDIR(st.st_mode)), true, &st, child,
                                        diag);
                }
                close(fd);
        }
        closedir(d);
        return r;
}

/* --- the private directory ------------------------------------------------------- */

static void self_fd(char buf[static 32], int fd)
{
        /* No stdio in what init calls: the digits by hand. */
        char digits[16];
        int n = 0, i = 0;
        const char *prefix = "/proc/self/fd/";

        do
                digits[n++] = (char) ('0' + fd % 10);
        while ((fd /= 10) && n < 15);
        for (; *prefix; prefix++)
                buf[i++] = *prefix;
        while (n)
                buf[i++] = digits[--n];
        buf[i] = '\0';
}

/* Mode 0700 for the directory FD (O_PATH) itself, whatever a name says. */
static int chmod_fd(int fd, mode_t mode)
{
        char path[32];

        self_fd(path, fd);
        return fchmodat(AT_FDCWD, path, mode, 0) < 0 ? -errno : 0;
}

/* $XDG_RUNTIME_DIR when it is the caller's own (mode 0700, writable), else /tmp. */
static int privdir_base(char *const *env, const char **ret_base)
{
        const char *xdg = env_get(env, "XDG_RUNTIME_DIR");
        struct stat st;
        int fd;

        if (xdg && xdg[0] == '/') {
                fd = open(xdg, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (fd >= 0 && fstat(fd, &st) == 0 && st.st_uid == geteuid() && !(st.st_mode & 077) &&
                    faccessat(fd, "", W_OK | X_OK, AT_EMPTY_PATH | AT_EACCESS) == 0) {
                        *ret_base = xdg;
                        return fd_move_above_stdio(fd);
                }
                safe_close(fd);
        }
        fd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        *ret_base = "/tmp";
        return fd_move_above_stdio(fd);
}

/* Makes PD and its home/ and tmp/ (each 0700); returns an O_PATH fd of it. */
static int privdir_make(char *const *env, struct privdir *pd, struct isolation_plan *plan, struct osb_diag *diag)
{
        const char *base = NULL;
        struct stat st;
        int parent, dir, r;

        parent = privdir_base(env, &base);
        if (parent < 0)
                return diag_errno(diag, parent, "cannot open /tmp for the sandbox's private directory");
        for (int tries = 0;; tries++) {
                uint32_t rnd = 0;
                if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t) sizeof(rnd))
                        rnd = (uint32_t) now_ns() * 2654435761U + (uint32_t) tries;
                snprintf(pd->name, sizeof(pd->name), "oslbox-%08x", (unsigned) rnd);
                if (mkdirat(parent, pd->name, 0700) == 0)
                        break;
                if (errno != EEXIST || tries == 16) {
                        r = -errno;
                        close(parent);
                        pd->name[0] = '\0';
                        return diag_errno(diag, r, "cannot create the sandbox's private directory in %s", base);
                }
        }
        pd->parent_fd = parent;
        dir = openat(parent, pd->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dir < 0 || fstat(dir, &st) < 0 || st.st_uid != geteuid()) {
                r = dir < 0 ? -errno : -EPERM;
                safe_close(dir);
                return diag_errno(diag, r, "cannot open the sandbox's private directory %s/%s", base, pd->name);
        }
        dir = fd_move_above_stdio(dir);
        pd->dev = st.st_dev;
        pd->ino = st.st_ino;
        /* 0700 whatever the umask; the parts too. */
        r = chmod_fd(dir, 0700);
        for (int i = 0; i < 2 && r == 0; i++) {
                const char *part = i == 0 ? "home" : "tmp";
                int fd;
                if (mkdirat(dir, part, 0700) < 0 ||
                    (fd = openat(dir, part, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
                        r = -errno;
                else {
                        r = chmod_fd(fd, 0700);
                        close(fd);
                }
        }
        if (r < 0) {
                close(dir);
                return diag_errno(diag, r, "cannot set up the sandbox's private directory %s/%s", base, pd->name);
        }
        plan->dir = strdup_printf("%s/%s", base, pd->name);
        plan->home = strdup_printf("%s/%s/home", base, pd->name);
        plan->tmp = strdup_printf("%s/%s/tmp", base, pd->name);
        if (!plan->dir || !plan->home || !plan->tmp) {
                close(dir);
                return diag_errno(diag, -ENOMEM, "cannot plan the private directory");
        }
        return dir;
}

/* The caller's ro and rw paths below its home directory, as symbolic links
 * in the private home: HOME/.cache/pip -> /home/u/.cache/pip. Nothing is
 * made below a link (a later path inside an earlier one). */
static int link_home(const struct mount_plan *m, const char *home, int dir, struct osb_diag *diag)
{
        _cleanup_free_ char *real = home ? realpath(home, NULL) : NULL;
        const char *linked = NULL;
        int r = 0;

        if (!real || strcmp(real, "/") == 0)
                return 0;
        for (size_t i = 0; i < m->n_ops && r == 0; i++) {
                const struct mount_op *op = &m->ops[i];
                char rel[PATH_MAX], *comp, *slash;
                int at;

                if (op->kind != MOUNT_OP_BIND || op->access == VIEW_NONE || strcmp(op->dst, real) == 0 ||
                    !path_startswith(op->dst, real) || (linked && path_startswith(op->dst, linked)))
                        continue;
                snprintf(rel, sizeof(rel), "home/%s", op->dst + strlen(real) + 1);
                at = openat(dir, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
                for (comp = rel; at >= 0 && (slash = strchr(comp, '/')); comp = slash + 1) {
                        int next;
                        *slash = '\0';
                        if (mkdirat(at, comp, 0700) < 0 && errno != EEXIST)
                                break;
                        next = openat(at, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        close(at);
                        at = next;
                }
                if (at < 0 || strchr(comp, '/') || symlinkat(op->dst, at, comp) < 0)
                        r = diag_errno(diag, -errno, "cannot link %s into the sandbox's private home", op->dst);
                safe_close(at);
                linked = op->dst;
        }
        return r;
}

int isolation_prepare(const struct osb_config *cfg, const struct mount_plan *mounts, int abi, const char *home,
                      char *const *caller_env, struct landlock_plan *ll, struct isolation_plan *plan,
                      struct privdir *pd, struct osb_diag *diag)
{
        int r, dir = -1;

        if ((r = isolation_check(cfg, abi, diag)) < 0 || (r = check_plan(mounts, diag)) < 0)
                return r;
        if ((r = landlock_prepare_ruleset(cfg, abi, ll, diag)) < 0)
                return r;
        dir = privdir_make(caller_env, pd, plan, diag);
        if (dir < 0)
                return dir;
        if ((r = add(ll, plan, dir, landlock_rights(VIEW_RW, abi, false), true, NULL, plan->dir, diag)) < 0 ||
            (r = link_home(mounts, home, dir, diag)) < 0)
                goto out;

        for (size_t i = 0; i < mounts->n_ops && r == 0; i++) {
                const struct mount_op *op = &mounts->ops[i];
                int fd;

                switch (op->kind) {
                case MOUNT_OP_BIND:
                        if (op->access == VIEW_NONE)
                                break;
                        if (!op->file && hides_below(mounts, op->dst))
                                r = split(ll, plan, mounts, op->src_fd, op->dst, op->access, abi, diag);
                        else
                                r = add(ll, plan, op->src_fd, landlock_rights(op->access, abi, op->file),
                                        op->access != VIEW_DEV, NULL, op->dst, diag);
                        break;
                case MOUNT_OP_PROC:
                        /* The host's own: read-only, as in the namespaces mode. */
                        fd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (fd < 0) {
                                r = diag_errno(diag, -errno, "cannot open /proc");
                                break;
                        }
                        r = add(ll, plan, fd, landlock_rights(VIEW_PROC, abi, false), false, NULL, "/proc", diag);
                        close(fd);
                        break;
                default:
                        /* The private /tmp and home are the private
                         * directory; /dev's tmpfs, its devpts and /dev/shm,
                         * and the namespace mode's symlinks are nothing here. */
                        break;
                }
        }
        if (r < 0)
                goto out;
        plan->notify = (struct notify_ctx) {
                .roots = plan->roots, .n_roots = plan->n_roots, .net_none = cfg->net == OSB_NET_NONE,
                .ruleset_fd = ll->ruleset_fd, .landlock = true,
        };
        plan->cwd_fd = mounts->ops[mounts->cwd_op].src_fd;
out:
        safe_close(dir);
        return r;
}

void isolation_plan_free(struct isolation_plan *plan)
{
        if (!plan)
                return;
        free(plan->dir);
        free(plan->home);
        free(plan->tmp);
        free(plan->roots);
        *plan = (struct isolation_plan) { .cwd_fd = -1 };
}

/* --- removal: system calls only ------------------------------------------------------ */

struct linux_dirent64 {
        uint64_t d_ino;
        int64_t d_off;
        unsigned short d_reclen;
        unsigned char d_type;
        char d_name[];
};

/* Empties the directory DIR (O_PATH), DEPTH below the private directory
 * TOP; a subdirectory at the bound is moved to TOP, under a new name, and
 * emptied from there. BUF is clobbered by every level. */
static int empty_tree(int top, int dir, int depth, char *buf, size_t size, unsigned *moved)
{
        int rd, r = 0;

        /* Everything here is the caller's: give ourselves the rights back. */
        if ((r = chmod_fd(dir, 0700)) < 0)
                return r;
        rd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rd < 0)
                return -errno;
        for (;;) {
                bool progress = false, reread = false, any = false;
                long n;

                if (lseek(rd, 0, SEEK_SET) < 0 || (n = syscall(SYS_getdents64, rd, buf, size)) < 0) {
                        r = -errno;
                        break;
                }
                if (n == 0)
                        break;  /* not on Linux: "." and ".." are always there */
                for (long off = 0; off < n && !reread;) {
                        const struct linux_dirent64 *d = (const struct linux_dirent64 *) (buf + off);
                        const char *name = d->d_name;
                        int sub;

                        off += d->d_reclen;
                        if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
                                continue;
                        any = true;
                        /* Links, FIFOs, sockets: the name goes, nothing is opened. */
                        if (unlinkat(rd, name, 0) == 0 || unlinkat(rd, name, AT_REMOVEDIR) == 0) {
                                progress = true;
                                continue;
                        }
                        sub = openat(rd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sub < 0) {
                                r = -errno;
                                goto out;
                        }
                        if (depth + 1 >= PRIVDIR_MAX_DEPTH) {
                                char up[32] = ".oslbox-deep-";
                                unsigned k = (*moved)++, i = 13;
                                do
                                        up[i++] = (char) ('a' + k % 26);
                                while ((k /= 26) && i < 30);
                                up[i] = '\0';
                                r = syscall(SYS_renameat2, rd, name, top, up, RENAME_NOREPLACE) < 0 ? -errno : 0;
                        } else {
                                /* NAME is in BUF, which the level below reuses. */
                                char copy[256];
                                size_t len = strnlen(name, sizeof(copy) - 1);
                                memcpy(copy, name, len);
                                copy[len] = '\0';
                                r = empty_tree(top, sub, depth + 1, buf, size, moved);
                                if (r == 0 && unlinkat(rd, copy, AT_REMOVEDIR) < 0)
                                        r = -errno;
                                reread = true;  /* BUF now holds the subdirectory's entries */
                        }
                        close(sub);
                        if (r < 0 && r != -EEXIST)
                                goto out;
                        progress = true;
                        r = 0;
                }
                if (!any)
                        break;  /* empty */
                if (!progress) {
                        r = -ENOTEMPTY;
                        break;
                }
        }
out:
        close(rd);
        return r;
}

int privdir_remove(struct privdir *pd, char *buf, size_t size)
{
        struct stat st;
        unsigned moved = 0;
        int top, r;

        if (pd->parent_fd < 0 || !pd->name[0])
                return 0;
        top = openat(pd->parent_fd, pd->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (top < 0) {
                if (errno != ENOENT)
                        return -errno;
                pd->name[0] = '\0';
                return 0;
        }
        if (fstat(top, &st) < 0 || st.st_dev != pd->dev || st.st_ino != pd->ino) {
                close(top);
                return -ESTALE;         /* not ours: leave it */
        }
        r = empty_tree(top, top, 0, buf, size, &moved);
        close(top);
        if (r == 0 && unlinkat(pd->parent_fd, pd->name, AT_REMOVEDIR) < 0)
                r = -errno;
        if (r == 0)
                pd->name[0] = '\0';
        return r;
}

void privdir_done(struct privdir *pd)
{
        if (pd->parent_fd < 0)
                return;
        if (pd->name[0]) {
                size_t size = 32768;
                char *buf = malloc(size);
                if (buf)
                        (void) privdir_remove(pd, buf, size);  /* best effort: what is left stays */
                free(buf);
        }
        pd->parent_fd = safe_close(pd->parent_fd);
}

/* --- what auto takes here: doctor and explain ------------------------------------------ */

int isolation_probe(const struct osb_config *cfg, struct isolation_probe *ret)
{
        struct ns_probe_result res;
        struct osb_diag d = {};
        int abi = landlock_abi();

        *ret = (struct isolation_probe) { .abi = abi };
        ret->namespaces_ok = ns_probe(&res) == 0;
        ret->step = res.step;
        ret->err = res.err;
        if (!ret->namespaces_ok) {
                if (res.step == NS_STEP_PROC && res.err == EPERM)
                        snprintf(ret->why, sizeof(ret->why), "mounting a new procfs: %s (/proc is covered)",
                                 errno_text(res.err));
                else if (res.step == NS_STEP_CLONE)
                        snprintf(ret->why, sizeof(ret->why), "clone3 with the namespace flags: %s", errno_text(res.err));
                else
                        snprintf(ret->why, sizeof(ret->why), "writing /proc/self/%s in the new user namespace: %s",
                                 ns_probe_step_name(res.step), errno_text(res.err));
        }
        ret->landlock_ok = isolation_check(cfg, abi, &d) == 0;
        if (ret->landlock_ok && !cfg->git_writable) {
                /* What mount_prepare() would protect: a work tree's .git here. */
                _cleanup_free_ char *cwd = cfg->cwd ? strdup(cfg->cwd) : getcwd(NULL, 0), *git = NULL;
                struct stat st;
                if (cwd && (git = strdup_printf("%s/.git", cwd)) && lstat(git, &st) == 0 && !S_ISLNK(st.st_mode))
                        ret->landlock_ok = refuse_git(git, &d) == 0;
        }
        snprintf(ret->landlock_why, sizeof(ret->landlock_why), "%s", d.msg);
        if (cfg->isolation == OSB_ISOLATION_NAMESPACES || cfg->require_userns)
                ret->mode = ret->namespaces_ok ? OSB_ISOLATION_NAMESPACES : OSB_ISOLATION_AUTO;
        else if (cfg->isolation == OSB_ISOLATION_LANDLOCK)
                ret->mode = ret->landlock_ok ? OSB_ISOLATION_LANDLOCK : OSB_ISOLATION_AUTO;
        else
                ret->mode = ret->namespaces_ok ? OSB_ISOLATION_NAMESPACES
                          : ret->landlock_ok ? OSB_ISOLATION_LANDLOCK : OSB_ISOLATION_AUTO;
        return 0;
}
