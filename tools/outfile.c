/* outfile.c - writing files without destroying what is there (see outfile.h): a temporary
 * beside a regular target, renamed over it when complete; devices and FIFOs in place; inputs
 * of this run never. */

#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/tir.h"

/* The inputs of this run, by device and inode (so another name of the same file is caught). */
static TIR_VEC(struct { dev_t dev; ino_t ino; }) protected_files;

void tool_out_protect(const char *path) {
  struct stat st;
  if (!path || stat(path, &st) != 0) return;
  for (int i = 0; i < protected_files.n; i++)
    if (protected_files.v[i].dev == st.st_dev && protected_files.v[i].ino == st.st_ino) return;
  protected_files.n++; /* tir_vec_push needs an expression of the element type: grow by hand */
  if (protected_files.n > protected_files.cap) {
    protected_files.cap = protected_files.cap ? 2 * protected_files.cap : 8;
    protected_files.v = tir_xrealloc(protected_files.v,
                                     (size_t)protected_files.cap * sizeof *protected_files.v);
  }
  protected_files.v[protected_files.n - 1].dev = st.st_dev;
  protected_files.v[protected_files.n - 1].ino = st.st_ino;
}

static bool is_protected(const struct stat *st) {
  for (int i = 0; i < protected_files.n; i++)
    if (protected_files.v[i].dev == st->st_dev && protected_files.v[i].ino == st->st_ino)
      return true;
  return false;
}

static int refuse(char *err, size_t errlen, const char *path, const char *why) {
  (void)path; /* the caller names the file */
  snprintf(err, errlen, "%s", why);
  return -1;
}

int tool_out_begin(tool_out *o, const char *path, char *err, size_t errlen) {
  memset(o, 0, sizeof *o);
  o->hold_fd = -1;
  struct stat st;
  if (stat(path, &st) != 0) { /* absent (or a dangling link: written as a new file) */
    if (errno != ENOENT) return refuse(err, errlen, path, strerror(errno));
    o->target = tir_xstrdup(path);
    st.st_mode = 0;
  } else {
    if (is_protected(&st)) return refuse(err, errlen, path, "it is an input of this run");
    if (S_ISDIR(st.st_mode)) return refuse(err, errlen, path, "it is a directory");
    if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
      if (S_ISFIFO(st.st_mode)) {
        /* opening a FIFO for writing blocks until someone reads: ask without blocking */
        o->hold_fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (o->hold_fd < 0)
          return refuse(err, errlen, path, errno == ENXIO ? "it is a FIFO that no one reads"
                                                          : strerror(errno));
      }
      o->target = tir_xstrdup(path);
      o->path = tir_xstrdup(path);
      o->in_place = true;
      return 0;
    }
    if (!S_ISREG(st.st_mode))
      return refuse(err, errlen, path, S_ISBLK(st.st_mode) ? "it is a block device"
                                                            : "it is not a regular file");
    /* a link is followed: the file it names is replaced, the link stays */
    char *real = realpath(path, NULL);
    o->target = real ? tir_xstrdup(real) : tir_xstrdup(path);
    free(real);
  }
  size_t n = strlen(o->target) + 16;
  o->path = tir_xmalloc(n);
  snprintf(o->path, n, "%s.tirc-XXXXXX", o->target);
  int fd = mkstemp(o->path);
  if (fd < 0) {
    char why[512];
    snprintf(why, sizeof why, "cannot create a temporary file beside it: %s", strerror(errno));
    refuse(err, errlen, path, why);
    free(o->path);
    o->path = NULL;
    tool_out_end(o);
    return -1;
  }
  /* mkstemp makes the file 0600: give it the replaced file's mode, or a plain create's */
  mode_t mask = umask(0);
  umask(mask);
  mode_t mode = st.st_mode ? st.st_mode & 07777 : 0666 & ~mask;
  if (fchmod(fd, mode) != 0 || close(fd) != 0) {
    refuse(err, errlen, path, strerror(errno));
    tool_out_end(o);
    return -1;
  }
  return 0;
}

int tool_out_commit(tool_out *o, char *err, size_t errlen) {
  if (o->in_place) return 0;
  if (rename(o->path, o->target) != 0) {
    snprintf(err, errlen, "cannot replace it: %s", strerror(errno));
    return -1;
  }
  free(o->path);
  o->path = NULL; /* nothing left to remove */
  return 0;
}

void tool_out_end(tool_out *o) {
  if (o->path && !o->in_place) unlink(o->path);
  if (o->hold_fd >= 0) close(o->hold_fd);
  free(o->path);
  free(o->target);
  memset(o, 0, sizeof *o);
  o->hold_fd = -1;
}
