/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The filesystem view. Guarantees: the command sees a new root on tmpfs that
 * holds only what the plan names: system directories read-only (recursively,
 * submounts included, nosuid, nodev), the working directory read-write,
 * private /tmp and $HOME, a new /proc, a minimal /dev. Nothing else of the
 * host is reachable: the old root is detached after pivot_root.
 *
 * Needs the new mount API (open_tree, move_mount, fsopen, mount_setattr:
 * Linux >= 5.12) and a mount namespace owned by the sandbox's user
 * namespace. Without it the run is refused, never downgraded.
 *
 * The parent turns the configuration into an ordered list of operations with
 * canonical paths; the child clones every host tree first (so nothing mounted
 * later can cover a source), builds the new root detached from any path
 * lookup that could follow a symlink out of it, then pivots.
 */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "layers.h"

#define TMPFS_MODE_DIR "0755"
#define TMPFS_MODE_TMP "1777"

/* The host directories the default view shows read-only, when they exist. */
static const char *const system_dirs[] = {
        "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt",
};

static const char *const dev_nodes[] = {
        "null", "zero", "full", "random", "urandom", "tty",
};

/* --- parent side -------------------------------------------------------- */

struct entry {
        enum mount_op_kind kind;
        char *src, *dst;
        bool file, seal, implicit;
        unsigned attr;
        const char *mode;
        enum view_access access;
};

struct entries {
        struct entry *v;
        size_t n, cap;
};

static void entries_done(struct entries *e)
{
        for (size_t i = 0; i < e->n; i++) {
                free(e->v[i].src);
                free(e->v[i].dst);
        }
        free(e->v);
}

/* Adds or replaces the entry for DST: a later entry for a path wins.
 * Returns its index. */
static int entries_put(struct entries *e, struct entry *add)
{
        for (size_t i = 0; i < e->n; i++) {
                if (strcmp(e->v[i].dst, add->dst) != 0)
                        continue;
                free(e->v[i].src);
                free(e->v[i].dst);
                e->v[i] = *add;
                *add = (struct entry) {};
                return (int) i;
        }
        if (e->n == e->cap) {
                size_t cap = e->cap ? e->cap * 2 : 32;
                struct entry *v = realloc(e->v, cap * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                e->v = v;
                e->cap = cap;
        }
        e->v[e->n++] = *add;
        *add = (struct entry) {};
        return (int) e->n - 1;
}

static int put(struct entries *e, enum mount_op_kind kind, const char *src, const char *dst,
               bool file, unsigned attr, const char *mode, enum view_access access)
{
        struct entry add = {
                .kind = kind, .file = file, .attr = attr, .mode = mode, .access = access,
                .src = src ? strdup(src) : NULL, .dst = strdup(dst),
        };
        int r;

        if ((src && !add.src) || !add.dst) {
                free(add.src);
                free(add.dst);
                return -ENOMEM;
        }
        r = entries_put(e, &add);
        free(add.src);
        free(add.dst);
        return r;
}

/* A host path to bind: canonical, so that the mount point inside holds no
 * symlink; a file or a directory. */
static int bind_source(const char *path, char **ret_real, bool *ret_file, struct osb_diag *diag,
                       const char *what)
{
        _cleanup_free_ char *real = realpath(path, NULL);
        struct stat st;

        if (!real)
                return diag_errno(diag, -errno, "cannot %s %s", what, path);
        if (strcmp(real, "/") == 0)
                return diag_set(diag, -EINVAL, "cannot %s %s: it is the host's root, and the sandbox's "
                                "root is its own (name the directories it needs)", what, path);
        if (stat(real, &st) < 0)
                return diag_errno(diag, -errno, "cannot %s %s", what, path);
        *ret_file = !S_ISDIR(st.st_mode);
        *ret_real = TAKE_PTR(real);
        return 0;
}

static int add_system_dirs(struct entries *e)
{
        for (size_t i = 0; i < ELEMENTSOF(system_dirs); i++) {
                const char *dir = system_dirs[i];
                char target[PATH_MAX];
                struct stat st;
                ssize_t n;
                int r;

                if (lstat(dir, &st) < 0)
                        continue;       /* absent on this host: not part of its view */
                if (S_ISLNK(st.st_mode)) {
                        /* /bin -> usr/bin layouts: the same link inside. */
                        n = readlink(dir, target, sizeof(target) - 1);
                        if (n < 0)
                                return -errno;
                        target[n] = '\0';
                        r = put(e, MOUNT_OP_SYMLINK, target, dir, false, 0, NULL, VIEW_NONE);
                } else if (S_ISDIR(st.st_mode)) {
                        r = put(e, MOUNT_OP_BIND, dir, dir, false,
                                MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, NULL, VIEW_RO);
                } else
                        continue;
                if (r < 0)
                        return r;
                e->v[r].implicit = true;
        }
        return 0;
}

static int add_dev(struct entries *e)
{
        static const struct { const char *link, *target; } links[] = {
                { "/dev/ptmx", "pts/ptmx" },
                { "/dev/fd", "/proc/self/fd" },
                { "/dev/stdin", "/proc/self/fd/0" },
                { "/dev/stdout", "/proc/self/fd/1" },
                { "/dev/stderr", "/proc/self/fd/2" },
        };
        int r;

        r = put(e, MOUNT_OP_TMPFS, NULL, "/dev", false,
                MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, TMPFS_MODE_DIR, VIEW_DEV);
        if (r < 0)
                return r;
        e->v[r].seal = true;
        for (size_t i = 0; i < ELEMENTSOF(dev_nodes); i++) {
                char src[32];
                snprintf(src, sizeof(src), "/dev/%s", dev_nodes[i]);
                /* Device nodes must keep working: no nodev on these binds. */
                r = put(e, MOUNT_OP_BIND, src, src, true,
                        MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, NULL, VIEW_DEV);
                if (r < 0)
                        return r;
        }
        r = put(e, MOUNT_OP_DEVPTS, NULL, "/dev/pts", false,
                MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, NULL, VIEW_DEV);
        if (r < 0)
                return r;
        r = put(e, MOUNT_OP_TMPFS, NULL, "/dev/shm", false,
                MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, TMPFS_MODE_TMP, VIEW_RW);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(links); i++) {
                r = put(e, MOUNT_OP_SYMLINK, links[i].target, links[i].link, false, 0, NULL, VIEW_NONE);
                if (r < 0)
                        return r;
        }
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

static int add_configured(struct entries *e, const struct osb_config *cfg, const char *home,
                          struct osb_diag *diag)
{
        for (size_t i = 0; i < cfg->mounts.n; i++) {
                const struct osb_item *it = &cfg->mounts.v[i];
                _cleanup_free_ char *real = NULL;
                bool file = false;
                int r;

                if (strcmp(it->value, "/") == 0)
                        return diag_set(diag, -EINVAL, "cannot mount on /: the sandbox's root is its own "
                                        "(name the directories it needs)");

                bool ro = it->kind == OSB_MOUNT_RO || it->kind == OSB_MOUNT_RO_TRY;

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
                        r = bind_source(it->value, &real, &file, diag, "bind");
                        if (r < 0)
                                return r;
                        r = put(e, MOUNT_OP_BIND, real, real, file,
                                (ro ? MOUNT_ATTR_RDONLY : 0) | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, NULL,
                                ro ? VIEW_RO : VIEW_RW);
                        break;
                case OSB_MOUNT_TMPFS:
                        /* Follow host symlinks where the path exists, so the
                         * mount lands where the command will look. */
                        real = realpath(it->value, NULL);
                        r = put(e, MOUNT_OP_TMPFS, NULL, real ? real : it->value, false,
                                MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, TMPFS_MODE_DIR, VIEW_RW);
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

bool mount_in_default_view(const char *path, const char *cwd, bool writable)
{
        _cleanup_free_ char *real = realpath(path, NULL), *real_cwd = realpath(cwd, NULL);
        const char *p = real ? real : path;

        if (path_startswith(p, real_cwd ? real_cwd : cwd))
                return true;
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

int mount_prepare(const struct osb_config *cfg, const char *cwd, const char *home,
                  struct mount_plan **ret_plan, struct osb_diag *diag)
{
        struct entries e = {};
        struct mount_plan *p = NULL;
        _cleanup_free_ char *real_cwd = NULL;
        struct stat st;
        int r;

        if ((r = add_system_dirs(&e)) < 0)
                goto oom;
        if ((r = put(&e, MOUNT_OP_TMPFS, NULL, "/tmp", false, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
                     TMPFS_MODE_TMP, VIEW_RW)) < 0)
                goto oom;
        e.v[r].implicit = true;
        if (home && home[0] == '/' && strcmp(home, "/") != 0) {
                if ((r = put(&e, MOUNT_OP_TMPFS, NULL, home, false, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
                             TMPFS_MODE_DIR, VIEW_RW)) < 0)
                        goto oom;
                e.v[r].implicit = true;
        }

        /* The working directory, writable where it is: canonical, since the
         * command's getcwd() must name the same place inside. */
        real_cwd = realpath(cwd, NULL);
        if (!real_cwd) {
                r = diag_errno(diag, -errno, "cannot use the working directory %s", cwd);
                goto fail;
        }
        if ((r = put(&e, MOUNT_OP_BIND, real_cwd, real_cwd, false, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
                     NULL, VIEW_RW)) < 0)
                goto oom;
        e.v[r].implicit = true;

        if ((r = add_configured(&e, cfg, home, diag)) < 0)
                goto fail;

        /* A writable working directory is the default; a writable home
         * directory is not. Refuse rather than expose every file the user
         * owns because oslbox happened to be started from ~ or /. */
        for (size_t i = 0; i < e.n; i++) {
                const struct entry *x = &e.v[i];
                if (!x->implicit || strcmp(x->dst, real_cwd) != 0 || x->kind != MOUNT_OP_BIND)
                        continue;
                if (strcmp(real_cwd, "/") == 0 || (home && path_startswith(home, real_cwd))) {
                        r = diag_set(diag, -EPERM,
                                     "the working directory %s holds your home directory; refusing to make "
                                     "it writable inside (work in a project directory, or give --cwd DIR, "
                                     "--ro %s, or --rw %s to allow it)",
                                     real_cwd, real_cwd, real_cwd);
                        goto fail;
                }
        }

        if ((r = add_dev(&e)) < 0)
                goto oom;
        if ((r = put(&e, MOUNT_OP_PROC, NULL, "/proc", false,
                     MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, NULL, VIEW_PROC)) < 0)
                goto oom;

        qsort(e.v, e.n, sizeof(e.v[0]), entry_cmp);

        p = calloc(1, sizeof(*p));
        if (!p)
                goto oom;
        p->ops = calloc(e.n, sizeof(*p->ops));
        p->fds = calloc(e.n, sizeof(*p->fds));
        if (!p->ops || !p->fds)
                goto oom;
        for (size_t i = 0; i < e.n; i++) {
                struct entry *x = &e.v[i];
                p->ops[i] = (struct mount_op) {
                        .kind = x->kind, .src = TAKE_PTR(x->src), .dst = TAKE_PTR(x->dst),
                        .file = x->file, .seal = x->seal, .attr = x->attr, .mode = x->mode,
                        .access = x->access,
                };
                p->fds[i] = -1;
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
                fd = openat(dir, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0 && errno == ENOENT) {
                        if (mknodat(dir, comp, S_IFREG | 0644, 0) < 0)
                                goto fail;
                        fd = openat(dir, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
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
        int root = -1, r;

        *ret_failed = "/";
        /* Nothing mounted here may travel back to the host. */
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return -errno;

        /* 1. Clone every host tree while the host's root is still ours. */
        for (size_t i = 0; i < p->n_ops; i++) {
                struct mount_op *op = &p->ops[i];
                struct mount_attr attr = { .attr_set = op->attr };
                int fd;

                if (op->kind != MOUNT_OP_BIND)
                        continue;
                *ret_failed = op->src;
                fd = open_tree(AT_FDCWD, op->src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
                if (fd < 0)
                        return -errno;
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
        if (move_mount(root, "", AT_FDCWD, p->staging, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return -errno;

        /* 3. Everything else, parents first. */
        for (size_t i = 0; i < p->n_ops; i++) {
                struct mount_op *op = &p->ops[i];
                const char *rel = op->dst + 1;
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
        for (size_t i = 0; i < p->n_ops; i++)
                if (p->fds[i] >= 0)
                        p->fds[i] = (close(p->fds[i]), -1);

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
        close(root);
        *ret_failed = p->cwd;
        if (chdir(p->cwd) < 0)
                return -errno;
        *ret_failed = NULL;
        return 0;
}
