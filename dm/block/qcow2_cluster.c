/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QCOW2 guest-to-host mapping: the L2 table cache, reads (allocated, zero,
 * compressed, backing), writes (in place, or allocating with copy-on-write),
 * discard and write-zeroes, and the whole-tree walks snapshots need.
 *
 * Metadata is written through (the caches are never dirty). Write order for
 * an allocating write: the cluster's refcount is durable (pool), then the
 * data, then the L2 entry; a new L2 table is synced before the L1 entry
 * that points to it; when a copy-on-write carries old data (backing file,
 * snapshot, compressed), the new cluster is synced before the L2 entry
 * switches to it, so a crash never loses data that was already flushed.
 * The old cluster is freed only after its last reference is gone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "iov.h"
#include "qcow2.h"

enum cluster_kind {
	CL_UNALLOCATED, /* backing file, or zeros */
	CL_ZERO,        /* reads as zeros; may still own a host cluster */
	CL_NORMAL,
	CL_COMPRESSED,
};

struct mapping {
	enum cluster_kind kind;
	uint64_t entry; /* raw L2 entry */
	uint64_t host;  /* NORMAL, ZERO with allocation: cluster offset */
	bool copied;
};

/* ---- table cache ---- */

int qcow2_table_cache_init(struct qcow2_table_cache *c, unsigned nslots, size_t bytes)
{
	c->slots = g_new0(struct qcow2_cached_table, nslots);
	c->index = g_hash_table_new(g_int64_hash, g_int64_equal);
	c->nslots = nslots;
	c->bytes = bytes;
	c->tick = 0;
	return 0;
}

void qcow2_table_cache_destroy(struct qcow2_table_cache *c)
{
	for (unsigned i = 0; i < c->nslots; i++)
		g_free(c->slots[i].data);
	g_free(c->slots);
	if (c->index)
		g_hash_table_destroy(c->index);
	c->index = NULL;
	c->slots = NULL;
	c->nslots = 0;
}

static void slot_forget(struct qcow2_table_cache *c, struct qcow2_cached_table *s)
{
	if (s->offset)
		g_hash_table_remove(c->index, &s->offset);
	s->offset = 0;
}

void qcow2_table_cache_drop(struct qcow2_table_cache *c, uint64_t offset)
{
	struct qcow2_cached_table *s = c->index ? g_hash_table_lookup(c->index, &offset) : NULL;

	if (s)
		slot_forget(c, s);
}

void qcow2_table_cache_clear(struct qcow2_table_cache *c)
{
	for (unsigned i = 0; i < c->nslots; i++)
		slot_forget(c, &c->slots[i]);
}

int qcow2_table_get(struct qcow2 *q, struct qcow2_table_cache *c, uint64_t offset, uint8_t **tbl,
                    bool fresh)
{
	struct qcow2_cached_table *s, *victim = &c->slots[0];
	int ret;

	if (!offset || (offset & (q->cluster_size - 1)))
		return -EIO;
	s = g_hash_table_lookup(c->index, &offset);
	if (s) {
		s->last_use = ++c->tick;
		if (fresh)
			memset(s->data, 0, c->bytes);
		*tbl = s->data;
		return 0;
	}
	/* Miss: the least recently used slot (a scan, cheap next to the read). */
	for (unsigned i = 0; i < c->nslots; i++) {
		s = &c->slots[i];
		if (s->offset == 0) {
			victim = s;
			break;
		}
		if (s->last_use < victim->last_use)
			victim = s;
	}
	slot_forget(c, victim);
	if (!victim->data)
		victim->data = g_malloc(c->bytes);
	if (fresh) {
		memset(victim->data, 0, c->bytes);
	} else {
		ret = qcow2_pread_full(q->fd, victim->data, c->bytes, offset);
		if (ret < 0)
			return ret;
	}
	victim->offset = offset;
	victim->last_use = ++c->tick;
	g_hash_table_insert(c->index, &victim->offset, victim);
	*tbl = victim->data;
	return 0;
}

int qcow2_l2_set(struct qcow2 *q, uint8_t *tbl, uint64_t table_offset, uint64_t index,
                 uint64_t value)
{
	qcow2_put_be64(tbl + 8 * index, value);
	int ret = qcow2_pwrite_full(q->fd, tbl + 8 * index, 8, table_offset + 8 * index);
	if (ret < 0)
		qcow2_table_cache_drop(&q->l2_cache, table_offset);
	return ret;
}

int qcow2_l1_set(struct qcow2 *q, uint64_t index, uint64_t value)
{
	uint8_t b[8];
	int ret;

	qcow2_put_be64(b, value);
	ret = qcow2_pwrite_full(q->fd, b, 8, q->l1_offset + 8 * index);
	if (ret == 0)
		q->l1[index] = value;
	return ret;
}

void qcow2_compressed_extent(const struct qcow2 *q, uint64_t entry, uint64_t *host, uint64_t *len)
{
	unsigned x = 62 - (q->cluster_bits - 8);
	uint64_t off = entry & ((1ull << x) - 1);
	uint64_t sectors = ((entry >> x) & ((1ull << (q->cluster_bits - 8)) - 1)) + 1;

	*host = off & ~511ull;
	*len = sectors * 512;
}

/* ---- lookup ---- */

/* The L2 table for guest cluster @gc, or *tbl NULL when none is allocated. */
static int l2_lookup(struct qcow2 *q, uint64_t gc, uint8_t **tbl, uint64_t *l2_off)
{
	uint64_t l1_idx = gc / q->l2_entries;

	*tbl = NULL;
	if (l1_idx >= q->l1_size)
		return -EIO;
	uint64_t l1e = q->l1[l1_idx];
	*l2_off = l1e & QCOW2_L1_OFFSET_MASK;
	if (!*l2_off)
		return 0;
	if ((*l2_off & (q->cluster_size - 1)) || *l2_off < q->cluster_size) {
		qcow2_complain(
		        q, "L1 entry %" PRIu64 " (0x%" PRIx64 ") is not a valid L2 table offset",
		        l1_idx, l1e);
		return -EIO;
	}
	return qcow2_table_get(q, &q->l2_cache, *l2_off, tbl, false);
}

static int decode(struct qcow2 *q, uint64_t e, struct mapping *m)
{
	memset(m, 0, sizeof(*m));
	m->entry = e;
	m->copied = e & QCOW2_OFLAG_COPIED;
	if (e & QCOW2_OFLAG_COMPRESS) {
		m->kind = CL_COMPRESSED;
		return 0;
	}
	m->host = e & QCOW2_L2_OFFSET_MASK;
	if (m->host & (q->cluster_size - 1) || (m->host && m->host < q->cluster_size)) {
		qcow2_complain(q, "L2 entry 0x%" PRIx64 " points to an unaligned or header cluster",
		               e);
		return -EIO;
	}
	if (q->version >= 3 && (e & QCOW2_OFLAG_ZERO))
		m->kind = CL_ZERO;
	else
		m->kind = m->host ? CL_NORMAL : CL_UNALLOCATED;
	return 0;
}

static int map_cluster(struct qcow2 *q, uint64_t gc, struct mapping *m)
{
	uint8_t *tbl;
	uint64_t l2_off;
	int ret = l2_lookup(q, gc, &tbl, &l2_off);

	if (ret < 0)
		return ret;
	if (!tbl) {
		memset(m, 0, sizeof(*m));
		m->kind = CL_UNALLOCATED;
		return 0;
	}
	return decode(q, qcow2_be64(tbl + 8 * (gc % q->l2_entries)), m);
}

/* ---- reads ---- */

static int read_compressed(struct qcow2 *q, uint64_t entry, uint8_t *out)
{
	uint64_t host, len;
	unsigned x = 62 - (q->cluster_bits - 8);
	uint64_t skip = (entry & ((1ull << x) - 1)) & 511;
	int ret;

	qcow2_compressed_extent(q, entry, &host, &len);
	g_autofree uint8_t *in = g_malloc(len);
	/* The last sectors may run past the end of the file. */
	struct iovec v = { in, len };
	ret = blk_preadv_full(q->fd, &v, 1, host);
	if (ret < 0)
		return ret;
	z_stream zs = { 0 };
	if (inflateInit2(&zs, -12) != Z_OK)
		return -ENOMEM;
	zs.next_in = in + skip;
	zs.avail_in = (uInt)(len - skip);
	zs.next_out = out;
	zs.avail_out = (uInt)q->cluster_size;
	int zr = inflate(&zs, Z_FINISH);
	inflateEnd(&zs);
	if ((zr != Z_STREAM_END && zr != Z_BUF_ERROR) || zs.avail_out != 0) {
		qcow2_complain(q,
		               "compressed cluster at 0x%" PRIx64 " does not inflate to a cluster",
		               host);
		return -EIO;
	}
	return 0;
}

static int read_backing(struct qcow2 *q, const struct iovec *iov, int iovcnt, uint64_t pos,
                        uint64_t len, uint64_t guest_off)
{
	uint64_t bsize = q->backing ? q->backing->size : 0;
	uint64_t from_backing = guest_off < bsize ? MIN(len, bsize - guest_off) : 0;
	int ret = 0;

	if (from_backing) {
		struct iovec small[8], *sl = iovcnt <= 8 ? small : g_new(struct iovec, iovcnt);
		int n = blk_iov_slice(iov, iovcnt, pos, from_backing, sl);

		ret = q->backing->drv->preadv(q->backing, sl, n, guest_off);
		if (sl != small)
			g_free(sl);
	}
	if (ret == 0 && from_backing < len)
		blk_iov_memset(iov, iovcnt, pos + from_backing, 0, len - from_backing);
	return ret;
}

int qcow2_read(struct qcow2 *q, const struct iovec *iov, int iovcnt, uint64_t offset)
{
	uint64_t len = blk_iov_size(iov, iovcnt), pos = 0, cs = q->cluster_size;
	struct iovec small[8], *sl = iovcnt <= 8 ? small : g_new(struct iovec, iovcnt);
	int ret = 0;

	if (offset > q->size || len > q->size - offset)
		ret = -EINVAL;
	while (ret == 0 && pos < len) {
		uint64_t goff = offset + pos, gc = goff >> q->cluster_bits, in = goff & (cs - 1);
		uint64_t n = MIN(len - pos, cs - in);
		struct mapping m, next;

		pthread_mutex_lock(&q->lock);
		ret = map_cluster(q, gc, &m);
		if (ret < 0) {
			pthread_mutex_unlock(&q->lock);
			break;
		}
		/* Coalesce clusters that are contiguous on the host into one preadv. */
		while (m.kind == CL_NORMAL && pos + n < len && map_cluster(q, gc + 1, &next) == 0 &&
		       next.kind == CL_NORMAL &&
		       next.host == m.host + (n + in + cs - 1) / cs * cs) {
			gc++;
			n += MIN(len - pos - n, cs);
		}
		if (m.kind == CL_NORMAL || m.kind == CL_COMPRESSED)
			pthread_rwlock_rdlock(&q->io_lock);
		pthread_mutex_unlock(&q->lock);

		switch (m.kind) {
		case CL_NORMAL: {
			int cnt = blk_iov_slice(iov, iovcnt, pos, n, sl);
			ret = blk_preadv_full(q->fd, sl, cnt, m.host + in);
			pthread_rwlock_unlock(&q->io_lock);
			break;
		}
		case CL_COMPRESSED: {
			g_autofree uint8_t *buf = g_malloc(cs);
			ret = read_compressed(q, m.entry, buf);
			pthread_rwlock_unlock(&q->io_lock);
			if (ret == 0)
				blk_iov_from_buf(iov, iovcnt, pos, buf + in, n);
			break;
		}
		case CL_ZERO:
			blk_iov_memset(iov, iovcnt, pos, 0, n);
			break;
		case CL_UNALLOCATED:
			ret = read_backing(q, iov, iovcnt, pos, n, goff);
			break;
		}
		pos += n;
	}
	if (sl != small)
		g_free(sl);
	return ret;
}

/* ---- asynchronous transfers on a pinned mapping ---- */

void qcow2_io_barrier(struct qcow2 *q)
{
	pthread_rwlock_wrlock(&q->io_lock);
	pthread_rwlock_unlock(&q->io_lock);
	pthread_mutex_lock(&q->direct_lock);
	while (q->direct_inflight)
		pthread_cond_wait(&q->direct_idle, &q->direct_lock);
	pthread_mutex_unlock(&q->direct_lock);
}

int qcow2_direct_map(struct blk_image *img, bool write, uint64_t off, uint64_t len, int *fd,
                     uint64_t *host)
{
	struct qcow2 *q = img->priv;
	uint64_t cs = q->cluster_size, gc = off >> q->cluster_bits, in = off & (cs - 1), n;
	struct mapping m, next;
	bool ok;

	if (!len || off > q->size || len > q->size - off)
		return -EINVAL;
	/* The owner's thread must never wait for the lock: the engine takes the request then. */
	if (pthread_mutex_trylock(&q->lock) != 0)
		return -EAGAIN;
	ok = !(write && q->read_only) && map_cluster(q, gc, &m) == 0 && m.kind == CL_NORMAL &&
	     (!write || (m.copied && (q->l1[gc / q->l2_entries] & QCOW2_OFLAG_COPIED)));
	n = MIN(len, cs - in);
	while (ok && n < len) {
		uint64_t expect = m.host + (in + n) / cs * cs;

		gc++;
		ok = map_cluster(q, gc, &next) == 0 && next.kind == CL_NORMAL &&
		     next.host == expect &&
		     (!write || (next.copied && (q->l1[gc / q->l2_entries] & QCOW2_OFLAG_COPIED)));
		n += MIN(len - n, cs);
	}
	if (ok) {
		pthread_mutex_lock(&q->direct_lock);
		q->direct_inflight++;
		pthread_mutex_unlock(&q->direct_lock);
		*fd = q->fd;
		*host = m.host + in;
	}
	pthread_mutex_unlock(&q->lock);
	return ok ? 0 : -EAGAIN;
}

void qcow2_direct_done(struct blk_image *img)
{
	struct qcow2 *q = img->priv;

	pthread_mutex_lock(&q->direct_lock);
	if (--q->direct_inflight == 0)
		pthread_cond_broadcast(&q->direct_idle);
	pthread_mutex_unlock(&q->direct_lock);
}

/* ---- writes ---- */

/* The active L2 table for @gc, allocated or copied (if shared with a snapshot) as needed. */
static int l2_writable(struct qcow2 *q, uint64_t gc, uint8_t **tbl, uint64_t *l2_off)
{
	uint64_t l1_idx = gc / q->l2_entries, old, fresh;
	int ret;

	ret = l2_lookup(q, gc, tbl, &old);
	if (ret < 0)
		return ret;
	if (*tbl && (q->l1[l1_idx] & QCOW2_OFLAG_COPIED)) {
		*l2_off = old;
		return 0;
	}
	ret = qcow2_alloc_cluster(q, &fresh);
	if (ret < 0)
		return ret;
	uint8_t *nt;
	g_autofree uint8_t *copy = NULL;
	if (*tbl)
		copy = g_memdup2(*tbl, q->cluster_size);
	ret = qcow2_table_get(q, &q->l2_cache, fresh, &nt, true);
	if (ret < 0)
		return ret;
	if (copy)
		memcpy(nt, copy, q->cluster_size);
	ret = qcow2_pwrite_full(q->fd, nt, q->cluster_size, fresh);
	if (ret == 0 && fdatasync(q->fd) < 0)
		ret = -errno;
	if (ret == 0)
		ret = qcow2_l1_set(q, l1_idx, fresh | QCOW2_OFLAG_COPIED);
	if (ret < 0) {
		qcow2_table_cache_drop(&q->l2_cache, fresh);
		return ret;
	}
	if (old) {
		qcow2_table_cache_drop(&q->l2_cache, old);
		ret = qcow2_free_range(q, old, q->cluster_size);
		if (ret < 0)
			return ret;
	}
	/* Freeing may have evicted the new table; look it up again. */
	*l2_off = fresh;
	return qcow2_table_get(q, &q->l2_cache, fresh, tbl, false);
}

static int free_old(struct qcow2 *q, const struct mapping *m)
{
	uint64_t host, len;

	if (m->kind == CL_COMPRESSED) {
		qcow2_compressed_extent(q, m->entry, &host, &len);
		return qcow2_free_range(q, host, len);
	}
	if (m->host)
		return qcow2_free_range(q, m->host, q->cluster_size);
	return 0;
}

/* Fill @buf with the current contents of guest cluster @gc. */
static int old_contents(struct qcow2 *q, uint64_t gc, const struct mapping *m, uint8_t *buf)
{
	uint64_t cs = q->cluster_size;
	struct iovec v = { buf, cs };

	switch (m->kind) {
	case CL_NORMAL:
		return blk_preadv_full(q->fd, &v, 1, m->host);
	case CL_COMPRESSED:
		return read_compressed(q, m->entry, buf);
	case CL_ZERO:
		memset(buf, 0, cs);
		return 0;
	case CL_UNALLOCATED:
		return read_backing(q, &v, 1, 0, cs, gc * cs);
	}
	return -EIO;
}

/* A write that changes the mapping of @gc; q->lock held throughout. */
static int write_allocating(struct qcow2 *q, uint64_t gc, uint64_t in, const struct iovec *sl,
                            int cnt, uint64_t n)
{
	uint64_t cs = q->cluster_size, l2_off, host, idx = gc % q->l2_entries;
	struct mapping m;
	uint8_t *tbl;
	int ret;

	ret = l2_writable(q, gc, &tbl, &l2_off);
	if (ret < 0)
		return ret;
	ret = decode(q, qcow2_be64(tbl + 8 * idx), &m);
	if (ret < 0)
		return ret;
	bool reuse = m.kind == CL_ZERO && m.host && m.copied;
	bool keeps_old = m.kind == CL_NORMAL || m.kind == CL_COMPRESSED ||
	                 (m.kind == CL_UNALLOCATED && q->backing);
	if (reuse) {
		host = m.host;
	} else {
		ret = qcow2_alloc_cluster(q, &host);
		if (ret < 0)
			return ret;
		if (host == m.host || host == l2_off)
			return qcow2_mark_corrupt(q, "a cluster in use has refcount 0");
	}
	if (n == cs) {
		ret = blk_pwritev_full(q->fd, sl, cnt, host);
	} else {
		g_autofree uint8_t *buf = g_malloc(cs);

		ret = reuse ? (memset(buf, 0, cs), 0) : old_contents(q, gc, &m, buf);
		if (ret == 0) {
			blk_iov_to_buf(sl, cnt, 0, buf + in, n);
			ret = qcow2_pwrite_full(q->fd, buf, cs, host);
		}
		if (ret == 0 && keeps_old && fdatasync(q->fd) < 0)
			ret = -errno;
	}
	if (ret < 0)
		return ret; /* the cluster leaks: harmless */
	/* The table may have been evicted by the allocation; fetch it again. */
	ret = qcow2_table_get(q, &q->l2_cache, l2_off, &tbl, false);
	if (ret == 0)
		ret = qcow2_l2_set(q, tbl, l2_off, idx, host | QCOW2_OFLAG_COPIED);
	if (ret < 0 || reuse)
		return ret;
	return free_old(q, &m);
}

int qcow2_write(struct qcow2 *q, const struct iovec *iov, int iovcnt, uint64_t offset)
{
	uint64_t len = blk_iov_size(iov, iovcnt), pos = 0, cs = q->cluster_size;
	struct iovec small[8], *sl = iovcnt <= 8 ? small : g_new(struct iovec, iovcnt);
	int ret = 0;

	if (q->read_only)
		ret = -EROFS;
	else if (offset > q->size || len > q->size - offset)
		ret = -EINVAL;
	while (ret == 0 && pos < len) {
		uint64_t goff = offset + pos, gc = goff >> q->cluster_bits, in = goff & (cs - 1);
		uint64_t n = MIN(len - pos, cs - in);
		struct mapping m, next;
		uint8_t *tbl;
		uint64_t l2_off;

		pthread_mutex_lock(&q->lock);
		if (q->read_only) { /* marked corrupt meanwhile */
			pthread_mutex_unlock(&q->lock);
			ret = -EIO;
			break;
		}
		ret = l2_lookup(q, gc, &tbl, &l2_off);
		if (ret == 0)
			ret = map_cluster(q, gc, &m);
		if (ret < 0) {
			pthread_mutex_unlock(&q->lock);
			break;
		}
		bool in_place = tbl && (q->l1[gc / q->l2_entries] & QCOW2_OFLAG_COPIED) &&
		                m.kind == CL_NORMAL && m.copied;
		if (!in_place) {
			int cnt = blk_iov_slice(iov, iovcnt, pos, n, sl);
			ret = write_allocating(q, gc, in, sl, cnt, n);
			pthread_mutex_unlock(&q->lock);
			pos += n;
			continue;
		}
		while (pos + n < len && map_cluster(q, gc + 1, &next) == 0 &&
		       next.kind == CL_NORMAL && next.copied && (gc + 1) % q->l2_entries != 0 &&
		       next.host == m.host + (n + in + cs - 1) / cs * cs) {
			gc++;
			n += MIN(len - pos - n, cs);
		}
		pthread_rwlock_rdlock(&q->io_lock);
		pthread_mutex_unlock(&q->lock);
		int cnt = blk_iov_slice(iov, iovcnt, pos, n, sl);
		ret = blk_pwritev_full(q->fd, sl, cnt, m.host + in);
		pthread_rwlock_unlock(&q->io_lock);
		pos += n;
	}
	if (sl != small)
		g_free(sl);
	return ret;
}

/* ---- discard and write-zeroes ---- */

static int discard_cluster(struct qcow2 *q, uint64_t gc, bool zero, bool may_unmap)
{
	uint64_t idx = gc % q->l2_entries, l2_off, value;
	struct mapping m;
	uint8_t *tbl;
	int ret;

	ret = l2_lookup(q, gc, &tbl, &l2_off);
	if (ret < 0)
		return ret;
	if (tbl) {
		ret = decode(q, qcow2_be64(tbl + 8 * idx), &m);
		if (ret < 0)
			return ret;
	} else {
		memset(&m, 0, sizeof(m));
		m.kind = CL_UNALLOCATED;
	}
	bool allocated =
	        m.kind == CL_NORMAL || m.kind == CL_COMPRESSED || (m.kind == CL_ZERO && m.host);
	if (!zero) {
		/* Discard drops allocations only; without the zero flag (v2) a backing file would show. */
		if (!allocated || (q->backing && q->version < 3))
			return 0;
		value = q->backing ? QCOW2_OFLAG_ZERO : 0;
	} else {
		if (m.kind == CL_ZERO || (m.kind == CL_UNALLOCATED && !q->backing))
			return 0;
		bool keep = !may_unmap && m.kind == CL_NORMAL && m.copied;
		value = keep ? (m.host | QCOW2_OFLAG_COPIED | QCOW2_OFLAG_ZERO) : QCOW2_OFLAG_ZERO;
		if (keep) {
			ret = l2_writable(q, gc, &tbl, &l2_off);
			return ret < 0 ? ret : qcow2_l2_set(q, tbl, l2_off, idx, value);
		}
	}
	ret = l2_writable(q, gc, &tbl, &l2_off);
	if (ret == 0)
		ret = qcow2_l2_set(q, tbl, l2_off, idx, value);
	if (ret < 0)
		return ret;
	return allocated ? free_old(q, &m) : 0;
}

int qcow2_discard(struct qcow2 *q, uint64_t offset, uint64_t len, bool zero, bool may_unmap)
{
	uint64_t cs = q->cluster_size, end = offset + len;
	int ret = 0;

	if (q->read_only)
		return -EROFS;
	if (offset > q->size || len > q->size - offset)
		return -EINVAL;
	/* Whole clusters change the mapping; the last cluster counts as whole if it ends the disk. */
	uint64_t first = (offset + cs - 1) / cs;
	uint64_t last = end == q->size ? (end + cs - 1) / cs : end / cs; /* exclusive */
	if (zero && (q->version < 3 || first >= last)) {
		first = last = 0; /* everything through the write path below */
	}
	if (zero) {
		/* Partial clusters (or v2 images) get real zeros. */
		uint64_t head_end = first < last ? first * cs : end;
		uint64_t tail_start = first < last ? MIN(last * cs, end) : end;
		uint64_t ranges[2][2] = { { offset, head_end }, { tail_start, end } };
		g_autofree uint8_t *zbuf = NULL;

		for (int r = 0; r < 2 && ret == 0; r++) {
			for (uint64_t p = ranges[r][0]; p < ranges[r][1] && ret == 0;) {
				uint64_t n = MIN(ranges[r][1] - p, 1u << 20);
				if (!zbuf)
					zbuf = g_malloc0(1u << 20);
				struct iovec v = { zbuf, n };
				ret = qcow2_write(q, &v, 1, p);
				p += n;
			}
		}
	}
	for (uint64_t gc = first; gc < last && ret == 0; gc++) {
		pthread_mutex_lock(&q->lock);
		ret = q->read_only ? -EIO : discard_cluster(q, gc, zero, may_unmap);
		pthread_mutex_unlock(&q->lock);
	}
	return ret;
}

/* ---- whole-tree walks (snapshots, check) ---- */

/* Call @fn(q, cluster, arg) for every L2 table and data cluster reachable from @l1. */
static int tree_walk(struct qcow2 *q, const uint64_t *l1, uint32_t l1_size,
                     int (*fn)(struct qcow2 *q, uint64_t cluster, int arg), int arg)
{
	uint64_t cs = q->cluster_size;
	g_autofree uint8_t *l2 = g_malloc(cs);
	int ret;

	for (uint32_t i = 0; i < l1_size; i++) {
		uint64_t l2_off = l1[i] & QCOW2_L1_OFFSET_MASK;

		if (!l2_off)
			continue;
		if (l2_off & (cs - 1))
			return qcow2_mark_corrupt(q, "unaligned L2 table offset");
		ret = qcow2_pread_full(q->fd, l2, cs, l2_off);
		if (ret < 0)
			return ret;
		for (uint64_t j = 0; j < q->l2_entries; j++) {
			uint64_t e = qcow2_be64(l2 + 8 * j), host, len;

			if (e & QCOW2_OFLAG_COMPRESS) {
				qcow2_compressed_extent(q, e, &host, &len);
				for (uint64_t c = host / cs; c <= (host + len - 1) / cs; c++) {
					ret = fn(q, c, arg);
					if (ret < 0)
						return ret;
				}
				continue;
			}
			host = e & QCOW2_L2_OFFSET_MASK;
			if (!host)
				continue;
			ret = fn(q, host / cs, arg);
			if (ret < 0)
				return ret;
		}
		ret = fn(q, l2_off / cs, arg);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int qcow2_tree_refcount(struct qcow2 *q, const uint64_t *l1, uint32_t l1_size, int delta)
{
	return tree_walk(q, l1, l1_size, qcow2_refcount_update, delta);
}

static int has_room(struct qcow2 *q, uint64_t cluster, int arg)
{
	uint64_t rc;
	int ret = qcow2_refcount_get(q, cluster, &rc);

	(void)arg;
	if (ret == 0 && rc >= q->refcount_max)
		return -ERANGE;
	return ret;
}

int qcow2_tree_check_room(struct qcow2 *q, const uint64_t *l1, uint32_t l1_size)
{
	return tree_walk(q, l1, l1_size, has_room, 0);
}

int qcow2_update_copied(struct qcow2 *q)
{
	uint64_t cs = q->cluster_size;
	int ret;

	qcow2_table_cache_clear(&q->l2_cache);
	g_autofree uint8_t *l2 = g_malloc(cs);
	for (uint32_t i = 0; i < q->l1_size; i++) {
		uint64_t l2_off = q->l1[i] & QCOW2_L1_OFFSET_MASK, rc;
		bool changed = false;

		if (!l2_off)
			continue;
		ret = qcow2_refcount_get(q, l2_off / cs, &rc);
		if (ret < 0)
			return ret;
		uint64_t want = l2_off | (rc == 1 ? QCOW2_OFLAG_COPIED : 0);
		if (q->l1[i] != want) {
			ret = qcow2_l1_set(q, i, want);
			if (ret < 0)
				return ret;
		}
		/* Shared tables too: their entries count as the active tree's. */
		ret = qcow2_pread_full(q->fd, l2, cs, l2_off);
		if (ret < 0)
			return ret;
		for (uint64_t j = 0; j < q->l2_entries; j++) {
			uint64_t e = qcow2_be64(l2 + 8 * j), host = e & QCOW2_L2_OFFSET_MASK, drc;

			if ((e & QCOW2_OFLAG_COMPRESS) || !host)
				continue;
			ret = qcow2_refcount_get(q, host / cs, &drc);
			if (ret < 0)
				return ret;
			uint64_t ne = drc == 1 ? e | QCOW2_OFLAG_COPIED : e & ~QCOW2_OFLAG_COPIED;
			if (ne != e) {
				qcow2_put_be64(l2 + 8 * j, ne);
				changed = true;
			}
		}
		if (changed) {
			ret = qcow2_pwrite_full(q->fd, l2, cs, l2_off);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}
