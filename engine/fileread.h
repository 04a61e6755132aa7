/* fileread.h: reading the files of interest below a root, safely and
 * cheaply (internal; used by filestate.c).
 *
 * Names are relative and plain (tmd_filestate_name_ok). Each directory is
 * opened once for the run of files in it, and where the kernel says it is
 * must be inside the root; its files are opened relative to it without
 * following symlinks, and only a symlink takes the full realpath() walk
 * (refused when it leads outside the root). Bytes go to one reusable
 * buffer: no allocation or fresh pages per file. */
#ifndef TMD_FILEREAD_H
#define TMD_FILEREAD_H

#include "select_internal.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

typedef struct file_reader {
    const char *root_real; /* realpath of the root, no trailing '/'; not ours */
    char *dir_rel;         /* the directory entered, relative; "" = root */
    char dir_real[PATH_MAX];
    int dir_fd;            /* open on dir_real when dir_state is 0, else -1 */
    int dir_state;         /* 0 resolved inside the root, 1 missing, 2 outside */
    int dir_errno;
    uint8_t *buf;          /* the last file's bytes, NUL after them */
    size_t cap;            /* buf's size, without the byte for the NUL */
} file_reader;

/* A reader of files below `root_real`, which must outlive it. */
void file_reader_init(file_reader *r, const char *root_real);
void file_reader_free(file_reader *r);

/* Reads the plain relative name `relpath` into r->buf: *len bytes (valid
 * until the next call), or *len = SIZE_MAX with out->reason set (missing,
 * not a regular file, unreadable) and out->unsafe for a path that leads
 * outside the root. TMD_ENOMEM only. */
int file_reader_read(file_reader *r, const char *relpath, size_t *len, tmd_file_now *out);

#endif
