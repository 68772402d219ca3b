/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The filesystem view. Guarantees: the command sees a new root on tmpfs that
 * holds only what the plan names: system directories read-only (recursively,
 * submounts included, nosuid, nodev), the working directory read-write,
 * private /tmp and $HOME, a new /proc (read-only), a minimal /dev (its device
 * nodes bound read-only). Host secrets the caller can read in the system
 * directories are hidden; in a git work tree .git/config and .git/hooks are
 * read-only. Nothing else of the host is reachable: the old root is detached
 * after pivot_root.
 *
 * Needs the new mount API (open_tree, move_mount, fsopen, mount_setattr:
 * Linux >= 5.12), openat2 (5.6) and a mount namespace owned by the sandbox's
 * user namespace. Without it the run is refused, never downgraded.
 *
 * The parent turns the configuration into an ordered list of operations with
 * canonical paths, and opens every host object to be bound once, as an
 * O_PATH fd reached through no symbolic link. Every check runs on that fd
 * (the refusals compare device and inode, not names). The child cannot
 * clone a mount of the parent's namespace (open_tree() refuses with
 * EINVAL), so it opens the same canonical path in its own copy, again
 * through no symbolic link, and binds it only if it is the same object:
 * same device and inode, and the parent's fd keeps that inode alive, so its
 * number cannot be reused. What was checked is what is mounted, whatever is
 * renamed in the meantime; a swap makes the run fail. The child clones
 * every host tree first (so nothing mounted later can cover a source),
 * builds the new root detached from any path lookup that could follow a
 * symlink out of it, then pivots. It keeps each mount's fd for Landlock,
 * whose rules are added from them (see mount_close()).
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "layers.h"

#define TMPFS_MODE_DIR "0755"
#define TMPFS_MODE_TMP "1777"
#define TMPFS_MODE_HIDE "0555"

#define ATTR_RW (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)
#define ATTR_RO (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)
/* A hidden file is /dev/null bound nodev: opening it fails with EACCES. */
#define ATTR_HIDE (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

/* The host directories the default view shows read-only, when they exist. */
static const char *const system_dirs[] = {
        "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt",
};

static const char *const dev_nodes[] = {
        "null", "zero", "full", "random", "urandom", "tty",
};

/* Secrets in the system directories, hidden where the caller can read them
 * (as root): a run that could not read them anyway pays nothing. sshd's
 * host keys, the files in /etc/ssh whose names end in _key, are found when
 * the view is planned. */
static const char *const hidden_secrets[] = {
        "/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-",
        "/etc/security/opasswd", "/etc/ssl/private",
};
#define SSH_DIR "/etc/ssh"
#define SSH_KEY_SUFFIX "_key"

/* What Docker hides in /proc, where this kernel has it and the caller can
 * read it: kernel memory, timers and scheduler state of the whole host,
 * the caller's keyrings (names, not payloads), firmware and bus lists. */
static const char *const hidden_proc[] = {
        "/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/proc/acpi",
        "/proc/scsi", "/proc/latency_stats",
};

/* --- parent side -------------------------------------------------------- */

struct entry {
        enum mount_op_kind kind;
        char *src, *dst;
        int src_fd;             /* bind, hide (file): the source, owned */
        dev_t src_dev;          /* ... its identity */
        ino_t src_ino;
        bool file, seal, implicit, host_view;
        unsigned attr;
        const char *mode;
        enum view_access access;
};

struct entries {
        struct entry *v;
        size_t n, cap;
};

static void entry_done(struct entry *x)
{
        free(x->src);
        free(x->dst);
        safe_close(x->src_fd);
        *x = (struct entry) { .src_fd = -1 };
}

static void entries_done(struct entries *e)
{
        for (size_t i = 0; i < e->n; i++)
                entry_done(&e->v[i]);
        free(e->v);
}

static int entries_find(const struct entries *e, const char *dst)
{
        for (size_t i = 0; i < e->n; i++)
                if (strcmp(e->v[i].dst, dst) == 0)
                        return (int) i;
        return -ENOENT;
}

/* Adds ADD, taking what it holds, even on failure. An entry for the same
 * path is replaced when REPLACE (a later entry for a path wins), else ADD is
 * dropped and the result is -EEXIST. Returns the index. */
static int entries_put(struct entries *e, struct entry *add, bool replace)
{
        int i = entries_find(e, add->dst);

        if (i >= 0) {
                if (!replace) {
                        entry_done(add);
                        return -EEXIST;
                }
                entry_done(&e->v[i]);
                e->v[i] = *add;
                return i;
        }
        if (e->n == e->cap) {
                size_t cap = e->cap ? e->cap * 2 : 32;
                struct entry *v = realloc(e->v, cap * sizeof(*v));
                if (!v) {
                        entry_done(add);
                        return -ENOMEM;
                }
                e->v = v;
                e->cap = cap;
        }
        e->v[e->n++] = *add;
        return (int) e->n - 1;
}

/* A tmpfs, proc, devpts, symlink (SRC: its target) or self-bind at DST. */
static int put_new(struct entries *e, enum mount_op_kind kind, const char *src, const char *dst,
                   bool file, unsigned attr, const char *mode, enum view_access access, bool replace)
{
        struct entry add = {
                .kind = kind, .file = file, .attr = attr, .mode = mode, .access = access, .src_fd = -1,
                .src = src ? strdup(src) : NULL, .dst = strdup(dst),
        };

        if ((src && !add.src) || !add.dst) {
                entry_done(&add);
                return -ENOMEM;
        }
        return entries_put(e, &add, replace);
}

/* A bind (or a hidden file) at DST of the host object FD, which it takes,
 * found at the canonical path SRC. */
static int put_bind(struct entries *e, enum mount_op_kind kind, const char *src, int fd, const char *dst,
                    bool file, unsigned attr, enum view_access access, bool replace)
{
        struct entry add = {
                .kind = kind, .file = file, .attr = attr, .access = access, .src_fd = fd,
                .src = strdup(src), .dst = strdup(dst),
        };
        struct stat st;
        int r;

        if (fstat(fd, &st) < 0) {
                r = -errno;
                entry_done(&add);
                return r;
        }
        add.src_dev = st.st_dev;
        add.src_ino = st.st_ino;
        if (!add.src || !add.dst) {
                entry_done(&add);
                return -ENOMEM;
        }
        return entries_put(e, &add, replace);
}

/* PATH, with no symbolic link in it, as an O_PATH fd (above stdio, where
 * the child's dup2() cannot clobber it). ELOOP: a component is a link. */
static int open_exact(int dirfd, const char *path, uint64_t resolve)
{
        struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS | resolve };
        int fd = (int) syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
        return fd < 0 ? -errno : fd_move_above_stdio(fd);
}

/* The host objects the refusals compare by identity, since a name can go
 * through a symbolic link (/home -> var/home) or a bind mount: the host's
 * root, its /tmp and /dev/shm, and the home directory with each ancestor. */
struct ident {
        dev_t dev;
        ino_t ino;
};

struct host_ids {
        struct ident root, tmp, shm;
        struct ident home[64];          /* the real home, then its parents up to / */
        size_t n_home;
        struct ident sys[ELEMENTSOF(system_dirs)];      /* the system directories, read-only inside */
};

static struct ident ident_of(const struct stat *st)
{
        return (struct ident) { st->st_dev, st->st_ino };
}

static bool is_ident(const struct stat *st, struct ident id)
{
        return st->st_dev == id.dev && st->st_ino == id.ino;
}

static int host_ids_collect(const char *home, struct host_ids *h)
{
        struct stat st;
        int fd, up;

        *h = (struct host_ids) {};
        if (stat("/", &st) < 0)
                return -errno;
        h->root = ident_of(&st);
        h->tmp = h->shm = (struct ident) { (dev_t) -1, 0 };      /* matches nothing */
        if (stat("/tmp", &st) == 0)
                h->tmp = ident_of(&st);
        if (stat("/dev/shm", &st) == 0)
                h->shm = ident_of(&st);
        for (size_t i = 0; i < ELEMENTSOF(system_dirs); i++)
                h->sys[i] = stat(system_dirs[i], &st) == 0 ? ident_of(&st) : (struct ident) { (dev_t) -1, 0 };
        if (!home || home[0] != '/')
                return 0;
        /* Following symbolic links: the directory $HOME names. Without one
         * there is nothing of it to expose. */
        fd = open(home, O_PATH | O_DIRECTORY | O_CLOEXEC);
        while (fd >= 0 && h->n_home < ELEMENTSOF(h->home) && fstat(fd, &st) == 0) {
                h->home[h->n_home++] = ident_of(&st);
                if (is_ident(&st, h->root))
                        break;
                up = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
                close(fd);
                fd = up;
        }
        safe_close(fd);
        return 0;
}

/* The host object at PATH to bind: canonical, so that the mount point
 * inside holds no symlink; opened once. */
static int bind_source(const char *path, const struct host_ids *ids, char **ret_real, int *ret_fd,
                       bool *ret_file, struct osb_diag *diag)
{
        _cleanup_free_ char *real = realpath(path, NULL);
        _cleanup_close_ int fd = -1;
        struct stat st;

        if (!real)
                return diag_errno(diag, -errno, "cannot bind %s", path);
        fd = open_exact(AT_FDCWD, real, 0);
        if (fd == -ELOOP)
                return diag_set(diag, -ELOOP, "cannot bind %s: %s changed while oslbox resolved it "
                                "(a component became a symbolic link)", path, real);
        if (fd < 0)
                return diag_errno(diag, fd, "cannot bind %s", path);
        if (fstat(fd, &st) < 0)
                return diag_errno(diag, -errno, "cannot bind %s", path);
        if (is_ident(&st, ids->root))
                return diag_set(diag, -EINVAL, "cannot bind %s: it is the host's root, and the sandbox's "
                                "root is its own (name the directories it needs)", path);
        *ret_file = !S_ISDIR(st.st_mode);
        *ret_real = TAKE_PTR(real);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int add_system_dirs(struct entries *e, struct osb_diag *diag)
{
        for (size_t i = 0; i < ELEMENTSOF(system_dirs); i++) {
                const char *dir = system_dirs[i];
                char target[PATH_MAX];
                struct stat st;
                ssize_t n;
                int r, fd;

                if (lstat(dir, &st) < 0)
                        continue;       /* absent on this host: not part of its view */
                if (S_ISLNK(st.st_mode)) {
                        /* /bin -> usr/bin layouts: the same link inside. */
                        n = readlink(dir, target, sizeof(target) - 1);
                        if (n < 0)
                                return diag_errno(diag, -errno, "cannot read the symbolic link %s", dir);
                        target[n] = '\0';
                        r = put_new(e, MOUNT_OP_SYMLINK, target, dir, false, 0, NULL, VIEW_NONE, true);
                } else if (S_ISDIR(st.st_mode)) {
                        if ((fd = open_exact(AT_FDCWD, dir, 0)) < 0)
                                return diag_errno(diag, fd, "cannot bind %s", dir);
                        r = put_bind(e, MOUNT_OP_BIND, dir, fd, dir, false, ATTR_RO, VIEW_RO, true);
                } else
                        continue;
                if (r < 0)
                        return diag_errno(diag, r, "cannot plan the mounts");
                e->v[r].implicit = true;
        }
        return 0;
}

static int add_dev(struct entries *e, struct osb_diag *diag)
{
        static const struct { const char *link, *target; } links[] = {
                { "/dev/ptmx", "pts/ptmx" },
                { "/dev/fd", "/proc/self/fd" },
                { "/dev/stdin", "/proc/self/fd/0" },
                { "/dev/stdout", "/proc/self/fd/1" },
                { "/dev/stderr", "/proc/self/fd/2" },
        };
        int r;

        r = put_new(e, MOUNT_OP_TMPFS, NULL, "/dev", false, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
                    TMPFS_MODE_DIR, VIEW_DEV, true);
        if (r < 0)
                goto oom;
        e->v[r].seal = true;
        for (size_t i = 0; i < ELEMENTSOF(dev_nodes); i++) {
                char src[32];
                int fd;

                snprintf(src, sizeof(src), "/dev/%s", dev_nodes[i]);
                if ((fd = open_exact(AT_FDCWD, src, 0)) < 0)
                        return diag_errno(diag, fd, "cannot bind %s", src);
                /* Device nodes must keep working: no nodev on these binds.
                 * Read-only only forbids changing the host's inode (its
                 * mode, owner, times): reads, writes and ioctls of a device
                 * do not go through the mount. */
                r = put_bind(e, MOUNT_OP_BIND, src, fd, src, true,
                             MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, VIEW_DEV, true);
                if (r < 0)
                        goto oom;
        }
        r = put_new(e, MOUNT_OP_DEVPTS, NULL, "/dev/pts", false, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
                    NULL, VIEW_DEV, true);
        if (r < 0)
                goto oom;
        r = put_new(e, MOUNT_OP_TMPFS, NULL, "/dev/shm", false, ATTR_RW, TMPFS_MODE_TMP, VIEW_RW, true);
        if (r < 0)
                goto oom;
        e->v[r].implicit = true;
        for (size_t i = 0; i < ELEMENTSOF(links); i++) {
                r = put_new(e, MOUNT_OP_SYMLINK, links[i].target, links[i].link, false, 0, NULL, VIEW_NONE,
                            true);
                if (r < 0)
                        goto oom;
        }
        return 0;
oom:
        return diag_errno(diag, r, "cannot plan the mounts");
}

/* Hides PATH when it exists and the caller may read it: a file by
 * /dev/null bound nodev over it, a directory by an empty read-only tmpfs. */
static int hide(struct entries *e, const char *path, struct osb_diag *diag)
{
        _cleanup_free_ char *real = NULL;
        struct stat st;
        int fd, r;

        if (stat(path, &st) < 0 ||
            faccessat(AT_FDCWD, path, S_ISDIR(st.st_mode) ? R_OK | X_OK : R_OK, AT_EACCESS) < 0)
                return 0;
        /* Where it is in the view: behind a symbolic link, its target. */
        real = realpath(path, NULL);
        if (!real)
                return 0;       /* gone meanwhile */
        if (S_ISDIR(st.st_mode))
                r = put_new(e, MOUNT_OP_HIDE, NULL, real, false, ATTR_HIDE, TMPFS_MODE_HIDE, VIEW_NONE, true);
        else {
                if ((fd = open_exact(AT_FDCWD, "/dev/null", 0)) < 0)
                        return diag_errno(diag, fd, "cannot hide %s: /dev/null", path);
                if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode)) {
                        close(fd);
                        return diag_set(diag, -ENODEV, "cannot hide %s: /dev/null is not a device", path);
                }
                r = put_bind(e, MOUNT_OP_HIDE, "/dev/null", fd, real, true, ATTR_HIDE, VIEW_NONE, true);
        }
        if (r < 0)
                return diag_errno(diag, r, "cannot plan the mounts");
        e->v[r].implicit = true;
        return 0;
}

/* rw-create: the directory is made by the caller, outside the sandbox, so
 * only below the home directory and through no symbolic link there (one a
 * sandbox may have planted before), each new directory with mode 0700. */
static int rw_create(const char *dir, const char *home, struct osb_diag *diag)
{
        _cleanup_free_ char *base = NULL;
        int r;

        if (!home || home[0] != '/' || path_make_absolute(home, "/", &base) < 0)
                return diag_set(diag, -EINVAL, "rw-create %s: no home directory to create it in", dir);
        r = mkdir_below(base, dir, 0700);
        if (r == -EXDEV)
                return diag_set(diag, -EPERM, "rw-create %s: not below the home directory %s, the only place "
                                "oslbox creates directories (use rw for an existing one)", dir, base);
        if (r == -ELOOP || r == -ENOTDIR)
                return diag_set(diag, r, "rw-create %s: a part of it below %s is a symbolic link or not a "
                                "directory; rw-create follows no link there (use rw)", dir, base);
        return r < 0 ? diag_errno(diag, r, "rw-create: cannot create %s", dir) : 0;
}

static bool is_ssh_key(const char *name)
{
        size_t n = strlen(name), k = strlen(SSH_KEY_SUFFIX);
        return n > k && strcmp(name + n - k, SSH_KEY_SUFFIX) == 0;
}

static int add_hidden(struct entries *e, struct osb_diag *diag)
{
        DIR *d;
        struct dirent *de;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(hidden_secrets); i++)
                if ((r = hide(e, hidden_secrets[i], diag)) < 0)
                        return r;
        for (size_t i = 0; i < ELEMENTSOF(hidden_proc); i++)
                if ((r = hide(e, hidden_proc[i], diag)) < 0)
                        return r;
        d = opendir(SSH_DIR);
        if (!d)
                return 0;
        while ((de = readdir(d))) {
                char path[PATH_MAX];
                if (!is_ssh_key(de->d_name))
                        continue;
                snprintf(path, sizeof(path), "%s/%s", SSH_DIR, de->d_name);
                if ((r = hide(e, path, diag)) < 0)
                        break;
        }
        closedir(d);
        return r < 0 ? r : 0;
}

/* Whether the default view hides PATH (canonical) from a caller that could
 * read it. */
static bool is_hidden_path(const char *path)
{
        const char *slash = strrchr(path, '/');

        for (size_t i = 0; i < ELEMENTSOF(hidden_secrets); i++)
                if (path_startswith(path, hidden_secrets[i]))
                        return true;
        for (size_t i = 0; i < ELEMENTSOF(hidden_proc); i++)
                if (path_startswith(path, hidden_proc[i]))
                        return true;
        /* sshd's host keys: SSH_DIR/NAME_key, directly in it. */
        return slash == path + strlen(SSH_DIR) && strncmp(path, SSH_DIR "/", strlen(SSH_DIR) + 1) == 0 &&
               is_ssh_key(slash + 1);
}

/* The sandbox's own /proc and /dev: a bind or tmpfs there would be covered
 * by them (and was once silently ignored), or bring the host's processes
 * and devices back. /dev/shm is a plain directory, like /tmp. */
static const char *own_fs(const char *path)
{
        if (path_startswith(path, "/proc"))
                return "/proc";
        if (path_startswith(path, "/dev") && !path_startswith(path, "/dev/shm"))
                return "/dev";
        return NULL;
}

static int refuse_own_fs(const char *path, const char *what, struct osb_diag *diag)
{
        const char *fs = own_fs(path);

        if (!fs)
                return 0;
        return diag_set(diag, -EPERM, "cannot %s %s: the sandbox has its own %s, which ro, rw and tmpfs cannot "
                        "change%s", what, path, fs, strcmp(fs, "/dev") == 0 ? " (but for /dev/shm)" : "");
}

static int add_configured(struct entries *e, const struct osb_config *cfg, const char *home,
                          const struct host_ids *ids, struct osb_diag *diag)
{
        for (size_t i = 0; i < cfg->mounts.n; i++) {
                const struct osb_item *it = &cfg->mounts.v[i];
                _cleanup_free_ char *real = NULL;
                bool file = false;
                int r, fd = -1;

                if (strcmp(it->value, "/") == 0)
                        return diag_set(diag, -EINVAL, "cannot mount on /: the sandbox's root is its own "
                                        "(name the directories it needs)");

                bool ro = it->kind == OSB_MOUNT_RO || it->kind == OSB_MOUNT_RO_TRY;
                const char *what = it->kind == OSB_MOUNT_TMPFS ? "mount tmpfs on" : "bind";

                /* Before -try looks: /proc/no-such-file is refused too. */
                if ((r = refuse_own_fs(it->value, what, diag)) < 0)
                        return r;
                switch (it->kind) {
                case OSB_MOUNT_RO_TRY:
                case OSB_MOUNT_RW_TRY:
                        if (access(it->value, F_OK) < 0 && errno == ENOENT)
                                continue;       /* what -try asks for */
                        _fallthrough_;
                case OSB_MOUNT_RW_CREATE:
                        if (it->kind == OSB_MOUNT_RW_CREATE && (r = rw_create(it->value, home, diag)) < 0)
                                return r;
                        _fallthrough_;
                case OSB_MOUNT_RO:
                case OSB_MOUNT_RW:
                        r = bind_source(it->value, ids, &real, &fd, &file, diag);
                        if (r < 0)
                                return r;
                        if ((r = refuse_own_fs(real, what, diag)) < 0) {
                                close(fd);
                                return r;
                        }
                        r = put_bind(e, MOUNT_OP_BIND, real, fd, real, file, ro ? ATTR_RO : ATTR_RW,
                                     ro ? VIEW_RO : VIEW_RW, true);
                        break;
                case OSB_MOUNT_TMPFS:
                        /* Follow host symlinks where the path exists, so the
                         * mount lands where the command will look. */
                        real = realpath(it->value, NULL);
                        if (real && (r = refuse_own_fs(real, what, diag)) < 0)
                                return r;
                        r = put_new(e, MOUNT_OP_TMPFS, NULL, real ? real : it->value, false, ATTR_RW,
                                    TMPFS_MODE_DIR, VIEW_RW, true);
                        break;
                default:
                        r = -EINVAL;
                }
                if (r < 0)
                        return diag_errno(diag, r, "%s", it->value);
                e->v[r].implicit = false;
        }
        return 0;
}

/* host-view: each top-level directory of the host that the view leaves
 * out, read-only, flagged for the observer (denials.c), which reports each
 * use of one as outside the view. Not /proc, /dev and /tmp (the sandbox's
 * own), /sys, nor /run: its sockets (D-Bus, docker.sock) answer connect()
 * through a read-only mount, and the policy's view is the only thing that
 * keeps them out. What the view hides under them stays hidden. */
static int add_host_view(struct entries *e, struct osb_diag *diag)
{
        static const char *const own[] = { "proc", "dev", "sys", "run", "tmp" };
        _cleanup_close_ int root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d;
        struct dirent *de;
        int r = 0;

        if (root < 0 || !(d = fdopendir(root)))
                return diag_errno(diag, -errno, "host-view: cannot list /");
        root = -1;      /* the DIR has it */
        while (r >= 0 && (de = readdir(d))) {
                char path[NAME_MAX + 2];
                bool skip = de->d_name[0] == '.' || de->d_type != DT_DIR;
                int fd;

                for (size_t i = 0; i < ELEMENTSOF(own) && !skip; i++)
                        skip = strcmp(de->d_name, own[i]) == 0;
                if (skip)
                        continue;       /* a symbolic link or file at the top: not a tree to show */
                snprintf(path, sizeof(path), "/%s", de->d_name);
                if (entries_find(e, path) >= 0)
                        continue;       /* in the view already, as the policy has it */
                if ((fd = open_exact(AT_FDCWD, path, 0)) < 0)
                        continue;       /* gone, or not ours to open */
                r = put_bind(e, MOUNT_OP_BIND, path, fd, path, false, ATTR_RO, VIEW_RO, false);
                if (r >= 0)
                        e->v[r].host_view = true;
        }
        closedir(d);
        return r < 0 ? diag_errno(diag, r, "host-view: cannot plan the mounts") : 0;
}

/* In a git work tree, what git runs code from is made read-only where it
 * is: config (core.fsmonitor, core.hooksPath, aliases, pagers),
 * config.worktree and hooks; in a repository, config and hooks are made,
 * empty, when missing, so that the command cannot create them, and
 * config.worktree where git would read it. .git itself
 * becomes a mount point, which cannot be renamed away and replaced by a
 * directory of the command's; a .git file (a linked work tree's "gitdir:")
 * is read-only, so that it cannot point elsewhere. Entries the policy names
 * win. Landlock cannot narrow a right beneath the working directory's rule:
 * the mounts alone hold this. What stays open (commondir, submodules) is in
 * oslbox(1). */
static const struct { const char *name; bool dir, make; } git_parts[] = {
        { "config", false, true }, { "config.worktree", false, false }, { "hooks", true, true },
};

/* Whether .git/config turns extensions.worktreeConfig on, under which git
 * also reads config.worktree. A rough test, the name anywhere: at worst an
 * empty config.worktree is made, which git then ignores. */
static bool uses_worktree_config(int git_fd)
{
        _cleanup_close_ int fd = openat(git_fd, "config", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        _cleanup_free_ char *text = NULL;
        struct stat st;

        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || read_full_fd(fd, 1 << 20, &text, NULL) < 0)
                return false;
        return strcasestr(text, "worktreeconfig") != NULL;
}

static int add_git(struct entries *e, int cwd_fd, const char *cwd, struct osb_diag *diag)
{
        _cleanup_free_ char *git = strdup_printf("%s/.git", cwd);
        struct stat st;
        bool repo;
        int fd, r;

        if (!git)
                return diag_errno(diag, -ENOMEM, "cannot plan the mounts");
        fd = open_exact(cwd_fd, ".git", RESOLVE_BENEATH);
        if (fd == -ENOENT || fd == -ELOOP)
                return 0;       /* not a work tree's top, or .git is a symbolic link */
        if (fd < 0)
                return diag_errno(diag, fd, "cannot open %s", git);
        if (fstat(fd, &st) < 0) {
                r = -errno;
                close(fd);
                return diag_errno(diag, r, "cannot open %s", git);
        }
        if (!S_ISDIR(st.st_mode)) {
                r = put_bind(e, MOUNT_OP_BIND, git, fd, git, true, ATTR_RO, VIEW_NONE, false);
                return r == -ENOMEM ? diag_errno(diag, r, "cannot plan the mounts") : 0;
        }
        /* What is missing is made only in what git takes for a repository
         * (it needs HEAD): an empty .git marking a project stays empty. */
        repo = faccessat(fd, "HEAD", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
        for (size_t i = 0; i < ELEMENTSOF(git_parts); i++) {
                _cleanup_free_ char *path = strdup_printf("%s/%s", git, git_parts[i].name);
                struct stat pst;
                int pfd;

                if (!path) {
                        close(fd);
                        return diag_errno(diag, -ENOMEM, "cannot plan the mounts");
                }
                pfd = open_exact(fd, git_parts[i].name, RESOLVE_BENEATH);
                if (pfd >= 0 && fstat(pfd, &pst) == 0 && S_ISDIR(pst.st_mode) == git_parts[i].dir)
                        r = put_bind(e, MOUNT_OP_BIND, path, pfd, path, !git_parts[i].dir, ATTR_RO, VIEW_NONE,
                                     false);
                else if (pfd == -ENOENT && repo &&
                         (git_parts[i].make || (strcmp(git_parts[i].name, "config.worktree") == 0 &&
                                                uses_worktree_config(fd))))
                        r = put_new(e, MOUNT_OP_PROTECT, NULL, path, !git_parts[i].dir, ATTR_RO, NULL,
                                    VIEW_NONE, false);
                else {
                        /* A symbolic link, of the wrong type: git does not use it. */
                        safe_close(pfd);
                        continue;
                }
                if (r == -ENOMEM) {
                        close(fd);
                        return diag_errno(diag, r, "cannot plan the mounts");
                }
        }
        r = put_bind(e, MOUNT_OP_BIND, git, fd, git, false, ATTR_RW, VIEW_NONE, false);
        return r == -ENOMEM ? diag_errno(diag, r, "cannot plan the mounts") : 0;
}

/* Whether PATH, below the working directory CWD, is one add_git() makes
 * read-only. */
static bool git_protected(const char *path, const char *cwd)
{
        _cleanup_free_ char *git = strdup_printf("%s/.git", cwd);
        struct stat st;

        if (!git)
                return true;    /* cannot tell: say so */
        if (!path_startswith(path, git))
                return false;
        if (strcmp(path, git) == 0)
                return lstat(git, &st) == 0 && !S_ISDIR(st.st_mode);
        for (size_t i = 0; i < ELEMENTSOF(git_parts); i++) {
                _cleanup_free_ char *part = strdup_printf("%s/%s", git, git_parts[i].name);
                if (!part || path_startswith(path, part))
                        return true;
        }
        return false;
}

bool mount_in_default_view(const char *path, const char *cwd, bool writable)
{
        _cleanup_free_ char *real = realpath(path, NULL), *real_cwd = realpath(cwd, NULL);
        const char *p = real ? real : path, *c = real_cwd ? real_cwd : cwd;

        if (is_hidden_path(p) || own_fs(p))
                return false;
        if (path_startswith(p, c))
                return !writable || !git_protected(p, c);
        if (writable)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(system_dirs); i++) {
                _cleanup_free_ char *dir = realpath(system_dirs[i], NULL);
                if (dir && path_startswith(p, dir))
                        return true;
        }
        return false;
}

int mount_default_view(const char *cwd, const char *home,
                       int (*fn)(const char *directive, const char *path, void *userdata), void *userdata)
{
        _cleanup_free_ char *real_cwd = realpath(cwd, NULL);
        int r;

        for (size_t i = 0; i < ELEMENTSOF(system_dirs); i++) {
                struct stat st;
                if (lstat(system_dirs[i], &st) == 0 && S_ISDIR(st.st_mode) &&
                    (r = fn("ro", system_dirs[i], userdata)) < 0)
                        return r;
        }
        if ((r = fn("tmpfs", "/tmp", userdata)) < 0)
                return r;
        if (home && home[0] == '/' && strcmp(home, "/") != 0 && (r = fn("tmpfs", home, userdata)) < 0)
                return r;
        return fn("rw", real_cwd ? real_cwd : cwd, userdata);
}

static int entry_cmp(const void *a, const void *b)
{
        /* A parent path is a prefix of its children, so it sorts first. */
        return strcmp(((const struct entry *) a)->dst, ((const struct entry *) b)->dst);
}

/* A writable working directory is the default; a writable home directory
 * (or one of its parents, the host's root among them) is not, nor the
 * host's /tmp or /dev/shm in place of the sandbox's private one. Refuse
 * rather than expose every file the user owns because oslbox happened to be
 * started from ~ or /. FD is the working directory, by identity. */
static int check_cwd(int fd, const struct host_ids *ids, const char *cwd, struct osb_diag *diag)
{
        struct stat st;
        bool home;

        if (fstat(fd, &st) < 0)
                return diag_errno(diag, -errno, "cannot use the working directory %s", cwd);
        home = is_ident(&st, ids->root);
        for (size_t i = 0; i < ids->n_home && !home; i++)
                home = is_ident(&st, ids->home[i]);
        if (home)
                return diag_set(diag, -EPERM,
                                "the working directory %s holds your home directory; refusing to make it "
                                "writable inside (work in a project directory, or give --cwd DIR, --ro %s, "
                                "or --rw %s to allow it)", cwd, cwd, cwd);
        if (is_ident(&st, ids->tmp) || is_ident(&st, ids->shm)) {
                const char *priv = is_ident(&st, ids->tmp) ? "/tmp" : "/dev/shm";
                return diag_set(diag, -EPERM,
                                "the working directory %s is the host's %s; refusing to put it in place of "
                                "the sandbox's private %s (work in a directory below it, or give --cwd DIR; "
                                "--rw %s shares the host's)", cwd, priv, priv, cwd);
        }
        /* cd /usr (or /etc, ...) as root would make the host's system
         * writable; a directory below one is a project like any other. */
        for (size_t i = 0; i < ELEMENTSOF(system_dirs); i++)
                if (is_ident(&st, ids->sys[i]))
                        return diag_set(diag, -EPERM,
                                        "the working directory %s is the system directory %s, which the "
                                        "default view keeps read-only; refusing to make it writable inside "
                                        "(work in a project directory, or give --cwd DIR, --ro %s, or --rw %s "
                                        "to allow it)", cwd, system_dirs[i], cwd, cwd);
        return 0;
}

/* Where oslbox's named sandboxes keep their state: the supervisors'
 * sockets, which run commands in those sandboxes for whoever connects as
 * the same user (src/cli/session.c picks the first it can use of these).
 * A sandbox that saw one could ask a wider sandbox's supervisor to run a
 * command for it, and one that could write it could stand in for a
 * supervisor. The supervisor refuses a peer from another user namespace,
 * which a sandbox of the namespaces mode always is; one of the landlock
 * mode is not, so the view itself leaves the state out, in both modes:
 * wherever a bind would show it, it is hidden, and made first where it does
 * not exist yet (as the CLI would make it, mode 0700), so that a session
 * started later is hidden too. A ro or rw at or below it is refused. */
static int hide_session_state(struct entries *e, struct osb_diag *diag)
{
        const char *xdg = getenv("XDG_RUNTIME_DIR");
        char cand[3][PATH_MAX];
        size_t n = 0;
        unsigned uid = (unsigned) geteuid();

        if (xdg && xdg[0] == '/' && strlen(xdg) < PATH_MAX - 16)
                snprintf(cand[n++], PATH_MAX, "%s/oslbox", xdg);
        snprintf(cand[n++], PATH_MAX, "/run/user/%u/oslbox", uid);
        snprintf(cand[n++], PATH_MAX, "/tmp/oslbox-%u", uid);

        for (size_t c = 0; c < n; c++) {
                _cleanup_free_ char *parent = NULL, *real = NULL;
                const char *slash = strrchr(cand[c], '/');
                bool shown = false;
                struct stat st;
                int r;

                parent = strndup(cand[c], (size_t) (slash - cand[c]));
                if (!parent)
                        return diag_errno(diag, -ENOMEM, "cannot plan the mounts");
                /* Where it is or would be, behind any symbolic link. */
                real = realpath(parent, NULL);
                if (!real)
                        continue;       /* no parent: nothing to show */
                free(parent);
                parent = real;
                real = strdup_printf("%s%s", strcmp(parent, "/") == 0 ? "" : parent, slash);
                if (!real)
                        return diag_errno(diag, -ENOMEM, "cannot plan the mounts");
                for (size_t i = 0; i < e->n; i++) {
                        const struct entry *x = &e->v[i];
                        if (x->kind != MOUNT_OP_BIND || x->access == VIEW_NONE)
                                continue;
                        if (path_startswith(x->dst, real))
                                return diag_set(diag, -EPERM, "cannot bind %s: it is where oslbox keeps its "
                                                "named sandboxes' state (their supervisors' sockets), which no "
                                                "sandbox may see", x->dst);
                        if (path_startswith(real, x->dst))
                                shown = true;
                }
                if (!shown)
                        continue;
                if (mkdir(real, 0700) < 0) {
                        /* Where the caller cannot make it, no session of
                         * the caller's can be kept either. */
                        if (errno == EACCES || errno == EPERM || errno == EROFS)
                                continue;
                        if (errno != EEXIST)
                                return diag_errno(diag, -errno, "cannot make %s to hide it (oslbox's named "
                                                  "sandboxes' state, which a bind would show)", real);
                }
                /* Not a directory (a symbolic link someone planted in
                 * /tmp, say): the CLI keeps no state there either. */
                if (lstat(real, &st) < 0 || !S_ISDIR(st.st_mode))
                        continue;
                if ((r = hide(e, real, diag)) < 0)
                        return r;
        }
        return 0;
}

int mount_prepare(const struct osb_config *cfg, const char *cwd, const char *home,
                  struct mount_plan **ret_plan, struct osb_diag *diag)
{
        const char *opt = cfg->cwd ? " (--cwd)" : "", *fs;
        struct entries e = {};
        struct mount_plan *p = NULL;
        struct host_ids ids;
        _cleanup_free_ char *real_cwd = NULL;
        struct stat st;
        int r, fd, cwd_fd;

        if ((r = host_ids_collect(home, &ids)) < 0) {
                r = diag_errno(diag, r, "cannot stat the host's root");
                goto fail;
        }
        if ((r = add_system_dirs(&e, diag)) < 0)
                goto fail;
        if ((r = put_new(&e, MOUNT_OP_TMPFS, NULL, "/tmp", false, ATTR_RW, TMPFS_MODE_TMP, VIEW_RW, true)) < 0)
                goto oom;
        e.v[r].implicit = true;
        if (home && home[0] == '/' && strcmp(home, "/") != 0) {
                if ((r = put_new(&e, MOUNT_OP_TMPFS, NULL, home, false, ATTR_RW, TMPFS_MODE_DIR, VIEW_RW,
                                 true)) < 0)
                        goto oom;
                e.v[r].implicit = true;
        }
        if ((r = add_dev(&e, diag)) < 0)
                goto fail;
        /* Read-only, as Landlock's rule for it: a root caller's sandbox is
         * uid 0 on the host, and procfs lets uid 0 write /proc/sys,
         * /proc/sysrq-trigger, /proc/irq and the like by file mode alone. */
        if ((r = put_new(&e, MOUNT_OP_PROC, NULL, "/proc", false,
                         MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, NULL,
                         VIEW_PROC, true)) < 0)
                goto oom;
        if ((r = add_hidden(&e, diag)) < 0)
                goto fail;

        /* The working directory, writable where it is: canonical, since the
         * command's getcwd() must name the same place inside. */
        real_cwd = realpath(cwd, NULL);
        if (!real_cwd) {
                r = diag_errno(diag, -errno, "cannot use %s as the working directory%s", cwd, opt);
                goto fail;
        }
        if ((fs = own_fs(real_cwd))) {
                r = diag_set(diag, -EPERM, "cannot use %s as the working directory%s: the sandbox has its "
                             "own %s", real_cwd, opt, fs);
                goto fail;
        }
        fd = open_exact(AT_FDCWD, real_cwd, 0);
        if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)))
                fd = (close(fd), -ENOTDIR);
        if (fd < 0) {
                r = fd == -ELOOP ? diag_set(diag, fd, "cannot use %s as the working directory%s: it changed "
                                            "while oslbox resolved it (a component became a symbolic link)",
                                            real_cwd, opt)
                                 : diag_errno(diag, fd, "cannot use %s as the working directory%s", real_cwd, opt);
                goto fail;
        }
        if ((r = put_bind(&e, MOUNT_OP_BIND, real_cwd, fd, real_cwd, false, ATTR_RW, VIEW_RW, true)) < 0)
                goto oom;
        e.v[r].implicit = true;

        if ((r = add_configured(&e, cfg, home, &ids, diag)) < 0)
                goto fail;

        if (cfg->host_view && (r = add_host_view(&e, diag)) < 0)
                goto fail;
        if ((r = hide_session_state(&e, diag)) < 0)
                goto fail;

        r = entries_find(&e, real_cwd);
        if (r >= 0 && e.v[r].kind == MOUNT_OP_BIND) {
                bool writable = !(e.v[r].attr & MOUNT_ATTR_RDONLY);
                cwd_fd = e.v[r].src_fd;        /* e.v moves as entries are added */
                if (e.v[r].implicit && (r = check_cwd(cwd_fd, &ids, real_cwd, diag)) < 0)
                        goto fail;
                if (writable && !cfg->git_writable && (r = add_git(&e, cwd_fd, real_cwd, diag)) < 0)
                        goto fail;
        }

        qsort(e.v, e.n, sizeof(e.v[0]), entry_cmp);

        p = calloc(1, sizeof(*p));
        if (!p)
                goto oom;
        p->ops = calloc(e.n, sizeof(*p->ops));
        p->fds = calloc(e.n, sizeof(*p->fds));
        p->root_fd = -1;
        if (!p->ops || !p->fds)
                goto oom;
        for (size_t i = 0; i < e.n; i++) {
                struct entry *x = &e.v[i];
                p->ops[i] = (struct mount_op) {
                        .kind = x->kind, .src = TAKE_PTR(x->src), .dst = TAKE_PTR(x->dst),
                        .src_fd = TAKE_FD(x->src_fd), .src_dev = x->src_dev, .src_ino = x->src_ino,
                        .file = x->file, .seal = x->seal, .attr = x->attr,
                        .mode = x->mode, .access = x->access, .host_view = x->host_view,
                };
                p->fds[i] = -1;
                if (strcmp(p->ops[i].dst, real_cwd) == 0)
                        p->cwd_op = i;
        }
        p->n_ops = e.n;
        entries_done(&e);

        /* Where the new root hangs until pivot_root: every host tree is
         * cloned before, so covering this directory hides nothing needed. */
        p->staging = stat("/tmp", &st) == 0 && S_ISDIR(st.st_mode) ? "/tmp" : "/";
        p->cwd = strdup(real_cwd);
        if (!p->cwd)
                goto oom;
        *ret_plan = p;
        return 0;

oom:
        r = diag_errno(diag, -ENOMEM, "cannot plan the mounts");
fail:
        entries_done(&e);
        mount_plan_free(p);
        return r;
}

void mount_plan_free(struct mount_plan *p)
{
        if (!p)
                return;
        for (size_t i = 0; i < p->n_ops; i++) {
                free(p->ops[i].src);
                free(p->ops[i].dst);
                safe_close(p->ops[i].src_fd);
        }
        free(p->ops);
        free(p->fds);
        free(p->cwd);
        free(p);
}

const char *mount_op_verb(enum mount_op_kind kind)
{
        switch (kind) {
        case MOUNT_OP_BIND:
                return "bind";
        case MOUNT_OP_TMPFS:
                return "mount tmpfs on";
        case MOUNT_OP_PROC:
                return "mount proc on";
        case MOUNT_OP_DEVPTS:
                return "mount devpts on";
        case MOUNT_OP_SYMLINK:
                return "create symlink";
        case MOUNT_OP_HIDE:
                return "hide";
        case MOUNT_OP_PROTECT:
                return "make read-only";
        }
        return "mount";
}

/* --- child side: system calls only ------------------------------------------ */

/* A new filesystem instance, detached, with ATTR. Returns its mount fd. */
static int new_fs(const char *type, const char *mode, unsigned attr)
{
        int fs, mnt, saved;

        fs = fsopen(type, FSOPEN_CLOEXEC);
        if (fs < 0)
                return -errno;
        if (mode && fsconfig(fs, FSCONFIG_SET_STRING, "mode", mode, 0) < 0)
                goto fail;
        if (strcmp(type, "devpts") == 0 &&
            (fsconfig(fs, FSCONFIG_SET_STRING, "ptmxmode", "0666", 0) < 0 ||
             fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0620", 0) < 0))
                goto fail;
        if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                goto fail;
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, attr);
        if (mnt < 0)
                goto fail;
        close(fs);
        return mnt;
fail:
        saved = errno;
        close(fs);
        return -saved;
}

/* Creates the directories of REL (relative to ROOT) one by one without ever
 * following a symlink, then the last component as a directory, a file or a
 * symlink to LINK. Returns an O_PATH fd for the mount point. */
static int make_mountpoint(int root, const char *rel, bool file, const char *link)
{
        char buf[PATH_MAX];
        char *comp, *next;
        int dir = root, fd, saved;
        size_t len = strlen(rel);

        if (len == 0 || len >= sizeof(buf))
                return -ENAMETOOLONG;
        memcpy(buf, rel, len + 1);
        comp = buf;
        for (;;) {
                next = strchr(comp, '/');
                if (!next)
                        break;
                *next = '\0';
                if (mkdirat(dir, comp, 0755) < 0 && errno != EEXIST)
                        goto fail;
                fd = openat(dir, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        goto fail;
                if (dir != root)
                        close(dir);
                dir = fd;
                comp = next + 1;
        }
        if (link) {
                if (symlinkat(link, dir, comp) < 0 && errno != EEXIST)
                        goto fail;
                fd = 0;
        } else if (file) {
                struct stat st;
                fd = openat(dir, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0 && errno == ENOENT) {
                        if (mknodat(dir, comp, S_IFREG | 0644, 0) < 0)
                                goto fail;
                        fd = openat(dir, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                }
                /* O_PATH | O_NOFOLLOW opens a symbolic link itself: never
                 * mount on one. */
                if (fd >= 0 && (fstat(fd, &st) < 0 || S_ISLNK(st.st_mode))) {
                        close(fd);
                        errno = ELOOP;
                        goto fail;
                }
        } else {
                if (mkdirat(dir, comp, 0755) < 0 && errno != EEXIST)
                        goto fail;
                fd = openat(dir, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0)
                goto fail;
        if (dir != root)
                close(dir);
        return fd;
fail:
        saved = errno;
        if (dir != root)
                close(dir);
        return -saved;
}

static int attach(int mnt, int target)
{
        if (move_mount(mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return -errno;
        return 0;
}

int mount_apply(struct mount_plan *p, const char **ret_failed)
{
        int root, r;

        *ret_failed = "/";
        /* Nothing mounted here may travel back to the host. */
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return -errno;

        /* 1. Clone every host tree while the host's root is still ours:
         * the object the parent checked, or nothing. */
        for (size_t i = 0; i < p->n_ops; i++) {
                struct mount_op *op = &p->ops[i];
                struct mount_attr attr = { .attr_set = op->attr };
                struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS };
                struct stat st;
                int src, fd;

                if (op->kind != MOUNT_OP_BIND && !(op->kind == MOUNT_OP_HIDE && op->file))
                        continue;
                *ret_failed = op->kind == MOUNT_OP_HIDE ? op->dst : op->src;
                src = (int) syscall(SYS_openat2, AT_FDCWD, op->src, &how, sizeof(how));
                if (src < 0)
                        return -errno;
                if (fstat(src, &st) < 0 || st.st_dev != op->src_dev || st.st_ino != op->src_ino) {
                        close(src);
                        return -ESTALE;
                }
                fd = open_tree(src, "", AT_EMPTY_PATH | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
                r = -errno;
                close(src);
                if (fd < 0)
                        return r;
                p->fds[i] = fd;
                /* AT_RECURSIVE: submounts of a read-only tree are read-only too. */
                if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
                        return -errno;
        }

        /* 2. The new root, attached at the staging directory. */
        *ret_failed = "/";
        root = new_fs("tmpfs", TMPFS_MODE_DIR, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
        if (root < 0)
                return root;
        p->root_fd = root;
        if (move_mount(root, "", AT_FDCWD, p->staging, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return -errno;

        /* 3. Everything else, parents first. */
        for (size_t i = 0; i < p->n_ops; i++) {
                struct mount_op *op = &p->ops[i];
                const char *rel = op->dst + 1;
                struct mount_attr attr = { .attr_set = op->attr };
                int target, mnt = -1;

                *ret_failed = op->dst;
                target = make_mountpoint(root, rel, op->file,
                                         op->kind == MOUNT_OP_SYMLINK ? op->src : NULL);
                if (target < 0)
                        return target;
                if (op->kind == MOUNT_OP_SYMLINK)
                        continue;
                switch (op->kind) {
                case MOUNT_OP_BIND:
                        mnt = p->fds[i];
                        break;
                case MOUNT_OP_HIDE:
                        mnt = op->file ? p->fds[i] : new_fs("tmpfs", op->mode, op->attr);
                        break;
                case MOUNT_OP_PROTECT:
                        /* The mount point itself, bound onto itself. */
                        mnt = open_tree(target, "", AT_EMPTY_PATH | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
                        if (mnt < 0)
                                mnt = -errno;
                        else if (mount_setattr(mnt, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
                                mnt = (r = -errno, close(mnt), r);
                        break;
                case MOUNT_OP_TMPFS:
                        mnt = new_fs("tmpfs", op->mode, op->attr);
                        break;
                case MOUNT_OP_PROC:
                        mnt = new_fs("proc", NULL, op->attr);
                        break;
                case MOUNT_OP_DEVPTS:
                        mnt = new_fs("devpts", NULL, op->attr);
                        break;
                default:
                        mnt = -EINVAL;
                }
                if (mnt < 0) {
                        close(target);
                        return mnt;
                }
                p->fds[i] = mnt;
                r = attach(mnt, target);
                close(target);
                if (r < 0)
                        return r;
        }

        /* 4. Seal what only held mount points. */
        for (size_t i = 0; i < p->n_ops; i++) {
                struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
                if (!p->ops[i].seal)
                        continue;
                *ret_failed = p->ops[i].dst;
                if (mount_setattr(p->fds[i], "", AT_EMPTY_PATH, &ro, sizeof(ro)) < 0)
                        return -errno;
        }

        /* 5. Pivot, drop the host's root, and seal the new one. */
        *ret_failed = "/";
        if (fchdir(root) < 0)
                return -errno;
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return -errno;
        if (umount2(".", MNT_DETACH) < 0)
                return -errno;
        {
                struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
                if (mount_setattr(root, "", AT_EMPTY_PATH, &ro, sizeof(ro)) < 0)
                        return -errno;
        }
        /* Into the working directory's mount itself, not by its name. */
        *ret_failed = p->cwd;
        if (fchdir(p->fds[p->cwd_op]) < 0)
                return -errno;
        *ret_failed = NULL;
        return 0;
}

void mount_close(struct mount_plan *p)
{
        for (size_t i = 0; i < p->n_ops; i++)
                if (p->fds[i] >= 0)
                        p->fds[i] = (close(p->fds[i]), -1);
        if (p->root_fd >= 0)
                p->root_fd = (close(p->root_fd), -1);
}
