/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QCOW2-specific operations beyond the block-driver table: image creation,
 * internal snapshots and a consistency check. Used by acrn-qcow2, the tests
 * and (later) the monitor's snapshot commands. Each takes a blk_image opened
 * with the "qcow2" driver; callers quiesce their queues first.
 */
#ifndef DM_BLOCK_QCOW2_API_H
#define DM_BLOCK_QCOW2_API_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include <dm/block.h>

struct qcow2_create_opts {
	uint64_t size;         /* virtual bytes; 0 with a backing file: the backing file's size */
	unsigned cluster_bits; /* 0: 16 (64 KiB) */
	const char *backing_file; /* NULL: none */
	const char *backing_format;
};

int qcow2_create(const char *path, const struct qcow2_create_opts *opts, GError **error);

struct qcow2_snapshot_info {
	char id[32];
	char name[256];
	uint64_t date_sec;
	uint64_t vm_state_size;
	uint64_t disk_size;
	uint32_t date_nsec;
	uint64_t vm_clock_nsec; /* the guest clock at the snapshot; 0: none recorded */
};

bool blk_is_qcow2(const struct blk_image *img);
/* A newly allocated array of *@n entries (g_free it). */
int qcow2_snapshot_list(struct blk_image *img, struct qcow2_snapshot_info **out, unsigned *n);
/* Whether a snapshot is named exactly @name (ids do not count); false if unreadable. */
bool qcow2_snapshot_named(struct blk_image *img, const char *name);
int qcow2_snapshot_create(struct blk_image *img, const char *name, GError **error);
/* @name matches a snapshot's id or name. */
int qcow2_snapshot_apply(struct blk_image *img, const char *name, GError **error);
int qcow2_snapshot_delete(struct blk_image *img, const char *name, GError **error);

struct qcow2_check_result {
	uint64_t corruptions; /* refcount below the references, bad COPIED flags, bad offsets */
	uint64_t leaks;       /* refcount above the references */
	uint64_t allocated_clusters;
};

/*
 * For blk_queue's io_uring path: if [@off, @off+@len) maps to one contiguous
 * run of allocated clusters (for @write: writable in place), give the host
 * fd and offset and pin the mapping until qcow2_direct_done(). Never blocks:
 * -EAGAIN when the metadata lock is busy or the range needs the engine.
 */
int qcow2_direct_map(struct blk_image *img, bool write, uint64_t off, uint64_t len, int *fd,
                     uint64_t *host);
void qcow2_direct_done(struct blk_image *img);

/* Rebuild the refcounts from the L1/L2 trees and compare; never repairs. */
int qcow2_check(struct blk_image *img, struct qcow2_check_result *res, GError **error);

#endif
