/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Disk images for virtio-blk (and later others): a driver per image format
 * (raw, qcow2) behind one table, and an asynchronous request queue per I/O
 * thread on top.
 *
 * Drivers implement synchronous, thread-safe operations: several virtqueue
 * threads call them at once. A queue runs requests either through io_uring
 * on the image file directly (drivers whose guest offsets are file offsets,
 * i.e. raw: blk_image.direct_fd >= 0) or on a thread pool calling the
 * driver. Devices see only the queue API and never know which.
 */
#ifndef DM_BLOCK_H
#define DM_BLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <glib.h>

struct blk_image;

struct blk_driver_ops {
	const char *name; /* "raw", "qcow2" */
	/* How sure (0-100) the driver is that an image starting with @buf is its format. */
	int (*probe)(const uint8_t *buf, size_t len);
	int (*open)(struct blk_image *img, const char *path, bool read_only, GError **error);
	void (*close)(struct blk_image *img);
	/* All-or-nothing vectored I/O at a guest byte offset; 0 or a negative errno. */
	int (*preadv)(struct blk_image *img, const struct iovec *iov, int iovcnt, uint64_t offset);
	int (*pwritev)(struct blk_image *img, const struct iovec *iov, int iovcnt, uint64_t offset);
	/* Everything written before is on stable storage when this returns 0. */
	int (*flush)(struct blk_image *img);
	/* Optional (NULL: the device does not offer the feature). */
	int (*discard)(struct blk_image *img, uint64_t offset, uint64_t len);
	int (*write_zeroes)(struct blk_image *img, uint64_t offset, uint64_t len, bool may_unmap);
	/* Optional: re-read the size after the file changed underneath (blkrescan). */
	int (*refresh)(struct blk_image *img);
};

struct blk_image {
	const struct blk_driver_ops *drv;
	char *path;
	uint64_t size; /* guest-visible bytes */
	bool read_only;
	int direct_fd; /* >= 0: guest offset == file offset in this fd (raw) */
	void *priv;    /* the driver's */
};

void blk_register_driver(const struct blk_driver_ops *ops);
/* @format NULL: probe (a raw guess never overrides a format that claims the file). */
struct blk_image *blk_open(const char *path, const char *format, bool read_only, GError **error);
void blk_close(struct blk_image *img);

enum blk_op {
	BLK_READ,
	BLK_WRITE,
	BLK_FLUSH,
	BLK_DISCARD,
	BLK_WRITE_ZEROES,
};

struct blk_req {
	enum blk_op op;
	uint64_t offset, len; /* bytes; len is the iovec total for READ/WRITE */
	const struct iovec *iov;
	int iovcnt;
	bool may_unmap; /* WRITE_ZEROES */
	int result;     /* 0 or a negative errno, set before done() */
	void (*done)(struct blk_req *req);
	void *opaque; /* the submitter's */
};

/* One per I/O thread; not shared between threads. */
struct blk_queue;

struct blk_queue *blk_queue_new(struct blk_image *img, unsigned depth, GError **error);
void blk_queue_free(struct blk_queue *q); /* waits for requests in flight */
/* Queue @req; it may run at once. Requests queued before blk_queue_kick() go as one batch. */
void blk_queue_submit(struct blk_queue *q, struct blk_req *req);
void blk_queue_kick(struct blk_queue *q);
/* Readable (poll) when completions are ready; then call blk_queue_complete. */
int blk_queue_fd(const struct blk_queue *q);
/* Run done() for every finished request; returns how many. */
unsigned blk_queue_complete(struct blk_queue *q);

#endif
