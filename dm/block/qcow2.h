/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The QCOW2 engine's private state, shared by its files (header, refcount,
 * cluster mapping, snapshots). On-disk facts follow QEMU's
 * docs/interop/qcow2.txt; every field read from the file is checked before
 * use.
 *
 * Locking: q->lock guards all metadata (header copy, L1, L2 and refcount
 * caches, the snapshot table, the reserved-cluster pool). Data I/O to a
 * cluster that needs no metadata change runs outside q->lock but inside
 * q->io_lock (read side); freeing a cluster takes q->io_lock's write side
 * first, so a cluster is never reused while an unlocked read or write
 * still targets it. Asynchronous transfers (queues' io_uring, see
 * qcow2_direct_map) are counted in direct_inflight instead, and the same
 * barrier waits for them. Lock order: lock, then io_lock.
 */
#ifndef DM_BLOCK_QCOW2_H
#define DM_BLOCK_QCOW2_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <glib.h>

#include <dm/block.h>

#define QCOW2_MAGIC              0x514649fbu /* "QFI\xfb" */
#define QCOW2_V3_HEADER_MIN      104u
#define QCOW2_HEADER_LEN_WRITTEN 112u

#define QCOW2_INCOMPAT_DIRTY     (1ull << 0)
#define QCOW2_INCOMPAT_CORRUPT   (1ull << 1)
#define QCOW2_INCOMPAT_DATA_FILE (1ull << 2)
#define QCOW2_INCOMPAT_COMPRESS  (1ull << 3)
#define QCOW2_INCOMPAT_EXT_L2    (1ull << 4)
#define QCOW2_COMPAT_LAZY_REFCNT (1ull << 0)

#define QCOW2_EXT_END            0x00000000u
#define QCOW2_EXT_BACKING_FMT    0xe2792acau
#define QCOW2_EXT_FEATURE_NAME   0x6803f857u

/* Header field offsets we patch in place. */
#define QCOW2_OFF_SIZE       24
#define QCOW2_OFF_L1         36 /* l1_size u32, l1_table_offset u64 */
#define QCOW2_OFF_REFTABLE   48 /* offset u64, clusters u32 */
#define QCOW2_OFF_SNAPSHOTS  60 /* nb_snapshots u32, snapshots_offset u64 */
#define QCOW2_OFF_INCOMPAT   72
#define QCOW2_OFF_AUTOCLEAR  88

#define QCOW2_L1_OFFSET_MASK 0x00fffffffffffe00ull
#define QCOW2_L2_OFFSET_MASK 0x00fffffffffffe00ull
#define QCOW2_RT_OFFSET_MASK 0xfffffffffffffe00ull
#define QCOW2_OFLAG_COPIED   (1ull << 63)
#define QCOW2_OFLAG_COMPRESS (1ull << 62)
#define QCOW2_OFLAG_ZERO     (1ull << 0)

/* Sanity limits (QEMU's, or near them): a malformed image must not make us allocate without bound. */
#define QCOW2_MAX_L1_BYTES       (32u << 20)
#define QCOW2_MAX_REFTABLE_BYTES (8u << 20)
#define QCOW2_MAX_SNAPSHOTS      65536u
#define QCOW2_MAX_SNAPTABLE      (64u << 20)
#define QCOW2_MAX_BACKING_DEPTH  16
#define QCOW2_MAX_VIRTUAL_SIZE   (1ull << 55) /* 32 PiB: offsets must fit bits 9-55 */
#define QCOW2_SNAPSHOT_EXTRA_MIN 16u

struct qcow2_snapshot {
	uint64_t l1_offset;
	uint32_t l1_size;
	char *id;
	char *name;
	uint32_t date_sec, date_nsec;
	uint64_t vm_clock_nsec;
	uint32_t vm_state_size;
	uint8_t *extra; /* kept as read, rewritten unchanged */
	uint32_t extra_size;
};

struct qcow2_cached_table {
	uint64_t offset; /* host offset; 0: slot empty */
	uint8_t *data;   /* as on disk */
	uint64_t last_use;
};

struct qcow2_table_cache {
	struct qcow2_cached_table *slots;
	GHashTable *index; /* host offset -> slot */
	unsigned nslots;
	size_t bytes; /* per table */
	uint64_t tick;
};

struct qcow2 {
	struct blk_image *img;
	int fd;
	bool read_only;
	char *path;

	/* Header, host byte order. */
	uint32_t version;
	uint32_t cluster_bits;
	uint64_t cluster_size;
	uint64_t size;
	uint32_t l1_size;
	uint64_t l1_offset;
	uint64_t rt_offset;
	uint32_t rt_clusters;
	uint32_t nb_snapshots;
	uint64_t snapshots_offset;
	uint64_t snapshots_size; /* bytes of the table */
	uint64_t incompat, compat, autoclear;
	uint32_t refcount_order;
	uint32_t header_length;
	char *backing_file;   /* as written in the image */
	char *backing_format; /* from the extension, or NULL */

	/* Derived. */
	uint64_t l2_entries; /* per L2 table */
	uint64_t rb_entries; /* refcounts per refcount block */
	uint64_t refcount_max;
	uint64_t file_clusters; /* clusters up to the file end when opened, grows as we allocate */

	uint64_t *l1;       /* host order, l1_size entries */
	uint64_t *reftable; /* host order, rt_clusters * cs / 8 entries */
	uint64_t rt_entries;
	struct qcow2_snapshot *snapshots;

	struct qcow2_table_cache l2_cache;
	struct qcow2_table_cache rb_cache;

	/* Clusters whose refcount (1) is already on disk, handed out one by one. */
	uint64_t pool_next, pool_end; /* cluster indexes */
	uint64_t free_hint;           /* no free cluster below this index */

	struct blk_image *backing;
	unsigned depth; /* backing chain depth of this image */

	bool complained; /* a malformed table was logged once already */

	pthread_mutex_t lock;
	pthread_rwlock_t io_lock;
	/* Transfers a queue runs through io_uring on a mapping taken under lock (qcow2_direct_map). */
	pthread_mutex_t direct_lock;
	pthread_cond_t direct_idle;
	unsigned direct_inflight;
	uint8_t *zero_cluster; /* cluster_size zero bytes */
};

/* qcow2_header.c */
int qcow2_header_load(struct qcow2 *q, GError **error);
int qcow2_snapshots_load(struct qcow2 *q, GError **error);
void qcow2_snapshots_free(struct qcow2_snapshot *sn, uint32_t n);
/* Serialize @n snapshots into a fresh buffer; *@len gets its size. */
uint8_t *qcow2_snapshots_encode(const struct qcow2_snapshot *sn, uint32_t n, size_t *len);
int qcow2_header_patch(struct qcow2 *q, uint64_t off, const void *buf, size_t len);
int qcow2_mark_corrupt(struct qcow2 *q, const char *why);
/* Log a malformed table entry, once per image (the I/O fails with -EIO each time). */
void qcow2_complain(struct qcow2 *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool qcow2_ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen);

/* qcow2_refcount.c */
int qcow2_refcount_load(struct qcow2 *q, GError **error);
int qcow2_refcount_get(struct qcow2 *q, uint64_t cluster, uint64_t *refcount);
/* Add @delta to a cluster's refcount; a refcount reaching 0 makes it free. */
int qcow2_refcount_update(struct qcow2 *q, uint64_t cluster, int delta);
/* One cluster from the pool; its refcount 1 is already durable. */
int qcow2_alloc_cluster(struct qcow2 *q, uint64_t *host);
/* @n contiguous clusters, refcounts set and synced. */
int qcow2_alloc_clusters(struct qcow2 *q, uint64_t n, uint64_t *host);
/* Drop a reference to every cluster of [host, host+len). */
int qcow2_free_range(struct qcow2 *q, uint64_t host, uint64_t len);
/* Give back unused pool clusters (before close and snapshot operations). */
int qcow2_pool_release(struct qcow2 *q);
/* Everything a clean image must never touch: header, tables, snapshot table. */
bool qcow2_overlaps_metadata(struct qcow2 *q, uint64_t host, uint64_t len);

/* qcow2_cluster.c */
int qcow2_table_cache_init(struct qcow2_table_cache *c, unsigned nslots, size_t bytes);
void qcow2_table_cache_destroy(struct qcow2_table_cache *c);
void qcow2_table_cache_drop(struct qcow2_table_cache *c, uint64_t offset);
void qcow2_table_cache_clear(struct qcow2_table_cache *c);
/* The table at host @offset, read through the cache; @fresh: a new table, all zeros. */
int qcow2_table_get(struct qcow2 *q, struct qcow2_table_cache *c, uint64_t offset, uint8_t **tbl,
                    bool fresh);
/* Write L2 entry @index of the cached table @tbl at host @table_offset, cache and file. */
int qcow2_l2_set(struct qcow2 *q, uint8_t *tbl, uint64_t table_offset, uint64_t index,
                 uint64_t value);
int qcow2_l1_set(struct qcow2 *q, uint64_t index, uint64_t value);
int qcow2_read(struct qcow2 *q, const struct iovec *iov, int iovcnt, uint64_t offset);
int qcow2_write(struct qcow2 *q, const struct iovec *iov, int iovcnt, uint64_t offset);
int qcow2_discard(struct qcow2 *q, uint64_t offset, uint64_t len, bool zero, bool may_unmap);
/* Wait until no unlocked or asynchronous data transfer is in flight (q->lock held). */
void qcow2_io_barrier(struct qcow2 *q);
/* Set COPIED flags in the active L1/L2 from the refcounts (after snapshot operations). */
int qcow2_update_copied(struct qcow2 *q);
/* Add @delta to the refcount of every L2 table and cluster reachable from @l1. */
int qcow2_tree_refcount(struct qcow2 *q, const uint64_t *l1, uint32_t l1_size, int delta);
/* -ERANGE if some refcount in the tree is already at its maximum (1-bit refcounts...). */
int qcow2_tree_check_room(struct qcow2 *q, const uint64_t *l1, uint32_t l1_size);
/* Bytes of a compressed cluster descriptor: host offset and length. */
void qcow2_compressed_extent(const struct qcow2 *q, uint64_t entry, uint64_t *host, uint64_t *len);

/* qcow2_snapshot.c, and the public entry points used by acrn-qcow2 and tests. */
#include "qcow2_api.h"

/* Read @len bytes at @off, all or -EIO on a short read. */
int qcow2_pread_full(int fd, void *buf, size_t len, uint64_t off);
int qcow2_pwrite_full(int fd, const void *buf, size_t len, uint64_t off);

static inline uint64_t qcow2_be64(const uint8_t *p)
{
	return ((uint64_t)p[0] << 56) | ((uint64_t)p[1] << 48) | ((uint64_t)p[2] << 40) |
	       ((uint64_t)p[3] << 32) | ((uint64_t)p[4] << 24) | ((uint64_t)p[5] << 16) |
	       ((uint64_t)p[6] << 8) | p[7];
}

static inline uint32_t qcow2_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline uint16_t qcow2_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline void qcow2_put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline void qcow2_put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline void qcow2_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

#endif
