/* outfile.h - the one way tirc writes a file (-o, --output, the REPL's save): never destroying
 * what is there.  A regular file (or an absent one) is written to a temporary beside it and
 * renamed over it only when complete; a character device or a FIFO with a reader is written
 * in place; anything else, and every input of this run, is refused. */
#ifndef TIR_TOOLS_OUTFILE_H
#define TIR_TOOLS_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>

/* One file being written. */
typedef struct tool_out {
  char *target; /* the file it becomes (a symbolic link followed) */
  char *path;   /* where the writer writes: a temporary beside "target", or "target" itself */
  bool in_place; /* a device or FIFO: "path" is "target" */
  int hold_fd;  /* a FIFO held open while the writer works (its reader sees one stream), or -1 */
} tool_out;

/* Remember "path" as an input of this run (the source .tir, a --schedule file, an --input
 * .npy, a file the REPL loaded): no output may be written over it, under any name that
 * reaches the same file.  A path that does not exist is ignored. */
void tool_out_protect(const char *path);

/* Prepare to write "path": sets o->path for the writer (a path: fopen, LLVM's object writer).
 * Refused, -1 with the reason in "err" ("it is a directory"; the caller names the file; no
 * file touched): a directory, a block device, a
 * socket, a FIFO no one reads, a protected input, a folder that cannot hold a temporary. */
int tool_out_begin(tool_out *o, const char *path, char *err, size_t errlen);
/* The writer succeeded: put the file in place (rename the temporary over the target; for a
 * file written in place, nothing more).  -1 with "err" when the rename fails. */
int tool_out_commit(tool_out *o, char *err, size_t errlen);
/* Forget "o": remove the temporary when it was not committed, release the FIFO, free. */
void tool_out_end(tool_out *o);

#endif
