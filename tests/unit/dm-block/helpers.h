/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the dm-block tests: temp dirs, running qemu-img/qemu-io, files. */
#ifndef TEST_DM_BLOCK_HELPERS_H
#define TEST_DM_BLOCK_HELPERS_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include <dm/block.h>

/* A fresh directory, removed (with its files) at exit. */
const char *tmp_dir(void);
char *tmp_path(const char *name);
/* Run a shell command; its exit status. Output goes to the test log. */
int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Run a shell command and return its stdout. */
char *sh_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint8_t *read_file(const char *path, size_t *len);
void write_file(const char *path, const void *buf, size_t len);
/* Read the whole guest view of @img. */
uint8_t *blk_read_all(struct blk_image *img);
void blk_write_buf(struct blk_image *img, uint64_t off, const void *buf, size_t len);
void blk_read_buf(struct blk_image *img, uint64_t off, void *buf, size_t len);
/* Open or fail the test. */
struct blk_image *open_img(const char *path, const char *fmt, bool ro);
/* Assert that our engine's view of @path equals `qemu-img convert -O raw`'s. */
void assert_same_as_qemu(const char *path);
/* qemu-img check exit status (0 clean, 2 corrupt, 3 leaks). */
int qemu_check(const char *path);
void fill_random(GRand *r, uint8_t *buf, size_t len);

#endif
