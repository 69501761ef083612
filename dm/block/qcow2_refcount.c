/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QCOW2 refcounts: the refcount table and blocks, cluster allocation and
 * freeing.
 *
 * Crash safety: a refcount increase is made durable (fdatasync) before any
 * table refers to the cluster, so a crash can leak clusters but never leave
 * a reference to a cluster counted as free. To pay for that sync rarely,
 * clusters are reserved in batches (the pool); unused ones are given back
 * at close. A new refcount block describes itself: it is placed at the
 * first cluster of the range it covers, which is free by definition since
 * no block counted it yet.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "qcow2.h"

#define POOL_BYTES (4u << 20)

int qcow2_refcount_load(struct qcow2 *q, GError **error)
{
	uint64_t bytes = (uint64_t)q->rt_clusters * q->cluster_size;
	int ret;

	q->rt_entries = bytes / 8;
	q->reftable = g_malloc(bytes);
	ret = qcow2_pread_full(q->fd, q->reftable, bytes, q->rt_offset);
	if (ret < 0) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		            "%s: malformed qcow2 image: refcount table unreadable", q->path);
		return ret;
	}
	for (uint64_t i = 0; i < q->rt_entries; i++) {
		q->reftable[i] = GUINT64_FROM_BE(q->reftable[i]);
		uint64_t off = q->reftable[i] & QCOW2_RT_OFFSET_MASK;
		if ((q->reftable[i] & ~QCOW2_RT_OFFSET_MASK) || (off & (q->cluster_size - 1)) ||
		    (off && off < q->cluster_size)) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			            "%s: malformed qcow2 image: refcount table entry %" PRIu64
			            " is 0x%" PRIx64,
			            q->path, i, q->reftable[i]);
			return -EINVAL;
		}
	}
	return 0;
}

static uint64_t rb_get(const struct qcow2 *q, const uint8_t *rb, uint64_t i)
{
	unsigned bits = 1u << q->refcount_order;

	switch (q->refcount_order) {
	case 3:
		return rb[i];
	case 4:
		return qcow2_be16(rb + 2 * i);
	case 5:
		return qcow2_be32(rb + 4 * i);
	case 6:
		return qcow2_be64(rb + 8 * i);
	default: /* 1, 2 or 4 bits, least significant first */
		return (rb[i * bits / 8] >> (i * bits % 8)) & ((1u << bits) - 1);
	}
}

/* Set entry @i; returns the byte range of the block that changed. */
static void rb_set(const struct qcow2 *q, uint8_t *rb, uint64_t i, uint64_t v, uint64_t *boff,
                   uint64_t *blen)
{
	unsigned bits = 1u << q->refcount_order;

	switch (q->refcount_order) {
	case 3:
		rb[i] = (uint8_t)v;
		*boff = i, *blen = 1;
		return;
	case 4:
		qcow2_put_be16(rb + 2 * i, (uint16_t)v);
		*boff = 2 * i, *blen = 2;
		return;
	case 5:
		qcow2_put_be32(rb + 4 * i, (uint32_t)v);
		*boff = 4 * i, *blen = 4;
		return;
	case 6:
		qcow2_put_be64(rb + 8 * i, v);
		*boff = 8 * i, *blen = 8;
		return;
	default: {
		uint8_t mask = (uint8_t)(((1u << bits) - 1) << (i * bits % 8));
		uint8_t *b = &rb[i * bits / 8];

		*b = (uint8_t)((*b & ~mask) | ((v << (i * bits % 8)) & mask));
		*boff = i * bits / 8, *blen = 1;
		return;
	}
	}
}

static int reftable_set(struct qcow2 *q, uint64_t idx, uint64_t off)
{
	uint8_t b[8];
	int ret;

	qcow2_put_be64(b, off);
	ret = qcow2_pwrite_full(q->fd, b, 8, q->rt_offset + 8 * idx);
	if (ret == 0)
		q->reftable[idx] = off;
	return ret;
}

static void note_cluster_used(struct qcow2 *q, uint64_t cluster)
{
	if (cluster >= q->file_clusters)
		q->file_clusters = cluster + 1;
}

/* A new, bigger refcount table with its own refcount block in the first uncovered range. */
static int reftable_grow(struct qcow2 *q, uint64_t min_entries)
{
	uint64_t cs = q->cluster_size, per_cluster = cs / 8;
	uint64_t want = MAX(min_entries, q->rt_entries * 2);
	uint64_t nclusters = (want + per_cluster - 1) / per_cluster;
	uint64_t entries = nclusters * per_cluster;
	uint64_t range = q->rt_entries; /* no block covers it or anything after it */
	uint64_t base = range * q->rb_entries;
	uint64_t off, len;
	int ret;

	if (nclusters * cs > QCOW2_MAX_REFTABLE_BYTES || nclusters + 1 > q->rb_entries ||
	    entries <= range)
		return -ENOSPC;
	g_autofree uint8_t *tbl = g_malloc0(nclusters * cs);
	for (uint64_t i = 0; i < q->rt_entries; i++)
		qcow2_put_be64(tbl + 8 * i, q->reftable[i]);
	qcow2_put_be64(tbl + 8 * range, base * cs);
	g_autofree uint8_t *rb = g_malloc0(cs);
	for (uint64_t i = 0; i <= nclusters; i++)
		rb_set(q, rb, i, 1, &off, &len);
	ret = qcow2_pwrite_full(q->fd, rb, cs, base * cs);
	if (ret == 0)
		ret = qcow2_pwrite_full(q->fd, tbl, nclusters * cs, (base + 1) * cs);
	if (ret == 0 && fdatasync(q->fd) < 0)
		ret = -errno;
	if (ret < 0)
		return ret;
	uint8_t h[12];
	qcow2_put_be64(h, (base + 1) * cs);
	qcow2_put_be32(h + 8, (uint32_t)nclusters);
	ret = qcow2_header_patch(q, QCOW2_OFF_REFTABLE, h, sizeof(h));
	if (ret == 0 && fdatasync(q->fd) < 0)
		ret = -errno;
	if (ret < 0)
		return ret;

	uint64_t old_off = q->rt_offset, old_clusters = q->rt_clusters;
	g_free(q->reftable);
	q->reftable = g_malloc0(entries * 8);
	for (uint64_t i = 0; i < entries; i++)
		q->reftable[i] = qcow2_be64(tbl + 8 * i);
	q->rt_entries = entries;
	q->rt_offset = (base + 1) * cs;
	q->rt_clusters = (uint32_t)nclusters;
	note_cluster_used(q, base + nclusters);
	return qcow2_free_range(q, old_off, old_clusters * cs);
}

/* Make sure a refcount block covers range @idx. */
static int refblock_ensure(struct qcow2 *q, uint64_t idx)
{
	uint64_t cs = q->cluster_size, base = idx * q->rb_entries, off, len;
	int ret;

	if (idx >= q->rt_entries) {
		ret = reftable_grow(q, idx + 1);
		if (ret < 0)
			return ret;
	}
	if (q->reftable[idx])
		return 0;
	if (qcow2_overlaps_metadata(q, base * cs, cs))
		return qcow2_mark_corrupt(q, "a refcount block would overwrite metadata");
	uint8_t *rb;
	ret = qcow2_table_get(q, &q->rb_cache, base * cs, &rb, true);
	if (ret < 0)
		return ret;
	rb_set(q, rb, 0, 1, &off, &len);
	ret = qcow2_pwrite_full(q->fd, rb, cs, base * cs);
	if (ret == 0 && fdatasync(q->fd) < 0)
		ret = -errno;
	if (ret == 0)
		ret = reftable_set(q, idx, base * cs);
	if (ret < 0) {
		qcow2_table_cache_drop(&q->rb_cache, base * cs);
		return ret;
	}
	note_cluster_used(q, base);
	return 0;
}

static int refblock_get(struct qcow2 *q, uint64_t cluster, uint8_t **rb, uint64_t *rb_off)
{
	uint64_t idx = cluster / q->rb_entries;

	if (idx >= q->rt_entries || !q->reftable[idx]) {
		*rb = NULL;
		return 0;
	}
	*rb_off = q->reftable[idx] & QCOW2_RT_OFFSET_MASK;
	return qcow2_table_get(q, &q->rb_cache, *rb_off, rb, false);
}

int qcow2_refcount_get(struct qcow2 *q, uint64_t cluster, uint64_t *refcount)
{
	uint8_t *rb;
	uint64_t rb_off = 0;
	int ret = refblock_get(q, cluster, &rb, &rb_off);

	if (ret < 0)
		return ret;
	*refcount = rb ? rb_get(q, rb, cluster % q->rb_entries) : 0;
	return 0;
}

int qcow2_refcount_update(struct qcow2 *q, uint64_t cluster, int delta)
{
	uint8_t *rb;
	uint64_t rb_off = 0, off, len, idx = cluster % q->rb_entries;
	int ret;

	if (q->read_only)
		return -EROFS;
	/* Nothing legitimate lives far past the end of the file: a reference there is corrupt. */
	if (delta > 0 && cluster > q->file_clusters + MAX(q->rb_entries, 4096) * 2)
		return qcow2_mark_corrupt(q, "a reference far past the end of the file");
	ret = refblock_get(q, cluster, &rb, &rb_off);
	if (ret < 0)
		return ret;
	if (!rb) {
		if (delta < 0)
			return qcow2_mark_corrupt(q, "freeing a cluster no refcount block covers");
		ret = refblock_ensure(q, cluster / q->rb_entries);
		if (ret == 0)
			ret = refblock_get(q, cluster, &rb, &rb_off);
		if (ret < 0)
			return ret;
		if (!rb || idx == 0)
			return qcow2_mark_corrupt(
			        q, "a new refcount block took the allocated cluster");
	}
	uint64_t v = rb_get(q, rb, idx);
	if (delta > 0 && q->refcount_max - v < (uint64_t)delta)
		return -ERANGE; /* too many references for the refcount width: not corruption */
	if (delta < 0 && v < (uint64_t)-delta) {
		g_autofree char *why = g_strdup_printf("refcount of cluster %" PRIu64 " is %" PRIu64
		                                       ", cannot add %d",
		                                       cluster, v, delta);
		return qcow2_mark_corrupt(q, why);
	}
	v += (uint64_t)(int64_t)delta;
	rb_set(q, rb, idx, v, &off, &len);
	ret = qcow2_pwrite_full(q->fd, rb + off, len, rb_off + off);
	if (ret < 0) {
		qcow2_table_cache_drop(&q->rb_cache, rb_off);
		return ret;
	}
	if (v == 0 && cluster < q->free_hint)
		q->free_hint = cluster;
	if (delta > 0)
		note_cluster_used(q, cluster);
	return 0;
}

bool qcow2_overlaps_metadata(struct qcow2 *q, uint64_t host, uint64_t len)
{
	if (qcow2_ranges_overlap(host, len, 0, q->cluster_size) ||
	    qcow2_ranges_overlap(host, len, q->l1_offset, (uint64_t)q->l1_size * 8) ||
	    qcow2_ranges_overlap(host, len, q->rt_offset,
	                         (uint64_t)q->rt_clusters * q->cluster_size) ||
	    (q->nb_snapshots &&
	     qcow2_ranges_overlap(host, len, q->snapshots_offset, q->snapshots_size)))
		return true;
	for (uint64_t i = 0; i < q->rt_entries; i++)
		if (q->reftable[i] &&
		    qcow2_ranges_overlap(host, len, q->reftable[i] & QCOW2_RT_OFFSET_MASK,
		                         q->cluster_size))
			return true;
	return false;
}

int qcow2_alloc_clusters(struct qcow2 *q, uint64_t n, uint64_t *host)
{
	uint64_t start = MAX(q->free_hint, 1), c = start, rc;
	int ret;

	if (q->read_only)
		return -EROFS;
	/* Each range starts with its own refcount block, so a run never spans a whole range. */
	if (n >= q->rb_entries)
		return -ENOSPC;
	while (c - start < n) {
		uint64_t idx = c / q->rb_entries;

		if (idx >= q->rt_entries || !q->reftable[idx]) {
			/* The block lands on the range's first cluster; recheck c afterwards. */
			ret = refblock_ensure(q, idx);
			if (ret < 0)
				return ret;
		}
		ret = qcow2_refcount_get(q, c, &rc);
		if (ret < 0)
			return ret;
		c++;
		if (rc)
			start = c;
	}
	if (qcow2_overlaps_metadata(q, start * q->cluster_size, n * q->cluster_size))
		return qcow2_mark_corrupt(q, "free clusters overlap metadata");
	for (uint64_t i = 0; i < n; i++) {
		ret = qcow2_refcount_update(q, start + i, 1);
		if (ret < 0)
			return ret;
	}
	if (fdatasync(q->fd) < 0)
		return -errno;
	if (start == MAX(q->free_hint, 1))
		q->free_hint = start + n;
	*host = start * q->cluster_size;
	return 0;
}

int qcow2_alloc_cluster(struct qcow2 *q, uint64_t *host)
{
	if (q->pool_next == q->pool_end) {
		uint64_t n = MAX(1, MIN(POOL_BYTES >> q->cluster_bits, q->rb_entries / 4)), first;
		int ret = qcow2_alloc_clusters(q, n, &first);

		if (ret < 0)
			return ret;
		q->pool_next = first >> q->cluster_bits;
		q->pool_end = q->pool_next + n;
	}
	*host = q->pool_next++ << q->cluster_bits;
	return 0;
}

int qcow2_pool_release(struct qcow2 *q)
{
	int ret = 0;

	while (q->pool_next < q->pool_end && ret == 0) {
		ret = qcow2_refcount_update(q, q->pool_next, -1);
		q->pool_next++;
	}
	q->pool_next = q->pool_end = 0;
	return ret;
}

int qcow2_free_range(struct qcow2 *q, uint64_t host, uint64_t len)
{
	uint64_t cs = q->cluster_size;
	uint64_t first = host / cs, last = (host + len - 1) / cs;
	int ret;

	if (!len)
		return 0;
	/* Wait for unlocked data I/O that may still target these clusters. */
	qcow2_io_barrier(q);
	for (uint64_t c = first; c <= last; c++) {
		uint64_t rc;

		ret = qcow2_refcount_update(q, c, -1);
		if (ret < 0)
			return ret;
		ret = qcow2_refcount_get(q, c, &rc);
		if (ret < 0)
			return ret;
		/* Give the space back to the host file system; failure only costs space. */
		if (rc == 0)
			(void)fallocate(q->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			                (off_t)(c * cs), (off_t)cs);
	}
	return 0;
}
