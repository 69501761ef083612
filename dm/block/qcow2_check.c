/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A read-only consistency check in the spirit of `qemu-img check`: rebuild
 * every cluster's expected refcount from the header, tables and all L1/L2
 * trees, then compare with the stored refcounts and the COPIED flags.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

#include "qcow2.h"

struct expect {
	uint32_t *count;
	uint64_t n;
	uint64_t limit; /* clusters in the file: a reference past it is an error */
	uint64_t corruptions;
};

static void ref_range(struct qcow2 *q, struct expect *e, uint64_t host, uint64_t len)
{
	if (!len)
		return;
	for (uint64_t c = host / q->cluster_size; c <= (host + len - 1) / q->cluster_size; c++) {
		if (c >= e->limit) {
			e->corruptions++;
			return;
		}
		if (c >= e->n) {
			uint64_t n = MAX(c + 1, e->n * 2);
			e->count = g_realloc_n(e->count, n, sizeof(uint32_t));
			memset(e->count + e->n, 0, (n - e->n) * sizeof(uint32_t));
			e->n = n;
		}
		e->count[c]++;
	}
}

static int walk_tree(struct qcow2 *q, struct expect *e, const uint64_t *l1, uint32_t l1_size,
                     bool active, uint8_t *l2)
{
	uint64_t cs = q->cluster_size;

	for (uint32_t i = 0; i < l1_size; i++) {
		uint64_t l2_off = l1[i] & QCOW2_L1_OFFSET_MASK;

		if (!l2_off)
			continue;
		if (l2_off & (cs - 1)) {
			e->corruptions++;
			continue;
		}
		ref_range(q, e, l2_off, cs);
		if (qcow2_pread_full(q->fd, l2, cs, l2_off) < 0) {
			e->corruptions++;
			continue;
		}
		for (uint64_t j = 0; j < q->l2_entries; j++) {
			uint64_t ent = qcow2_be64(l2 + 8 * j), host, len;

			if (ent & QCOW2_OFLAG_COMPRESS) {
				qcow2_compressed_extent(q, ent, &host, &len);
				ref_range(q, e, host, len);
				continue;
			}
			host = ent & QCOW2_L2_OFFSET_MASK;
			if (host & (cs - 1))
				e->corruptions++;
			else if (host)
				ref_range(q, e, host, cs);
		}
	}
	(void)active;
	return 0;
}

static int check_copied(struct qcow2 *q, struct expect *e, uint8_t *l2)
{
	uint64_t cs = q->cluster_size, rc;
	int ret;

	for (uint32_t i = 0; i < q->l1_size; i++) {
		uint64_t l2_off = q->l1[i] & QCOW2_L1_OFFSET_MASK;

		if (!l2_off || (l2_off & (cs - 1)))
			continue;
		ret = qcow2_refcount_get(q, l2_off / cs, &rc);
		if (ret < 0)
			return ret;
		if ((rc == 1) != !!(q->l1[i] & QCOW2_OFLAG_COPIED))
			e->corruptions++;
		if (qcow2_pread_full(q->fd, l2, cs, l2_off) < 0)
			continue;
		for (uint64_t j = 0; j < q->l2_entries; j++) {
			uint64_t ent = qcow2_be64(l2 + 8 * j), host = ent & QCOW2_L2_OFFSET_MASK;

			if ((ent & QCOW2_OFLAG_COMPRESS) || !host || (host & (cs - 1)))
				continue;
			ret = qcow2_refcount_get(q, host / cs, &rc);
			if (ret < 0)
				return ret;
			if ((rc == 1) != !!(ent & QCOW2_OFLAG_COPIED))
				e->corruptions++;
		}
	}
	return 0;
}

int qcow2_check(struct blk_image *img, struct qcow2_check_result *res, GError **error)
{
	if (!blk_is_qcow2(img)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "not a qcow2 image");
		return -EINVAL;
	}
	struct qcow2 *q = img->priv;
	struct expect e = { .count = g_new0(uint32_t, 1), .n = 1 };
	uint64_t cs = q->cluster_size;
	int ret = 0;

	struct stat st;
	memset(res, 0, sizeof(*res));
	if (fstat(q->fd, &st) < 0)
		return -errno;
	e.limit = ((uint64_t)st.st_size + cs - 1) / cs;
	pthread_mutex_lock(&q->lock);
	g_autofree uint8_t *l2 = g_malloc(cs);
	ref_range(q, &e, 0, cs);
	ref_range(q, &e, q->l1_offset, (uint64_t)q->l1_size * 8);
	ref_range(q, &e, q->rt_offset, (uint64_t)q->rt_clusters * cs);
	for (uint64_t i = 0; i < q->rt_entries; i++)
		if (q->reftable[i])
			ref_range(q, &e, q->reftable[i] & QCOW2_RT_OFFSET_MASK, cs);
	if (q->nb_snapshots)
		ref_range(q, &e, q->snapshots_offset, q->snapshots_size);
	walk_tree(q, &e, q->l1, q->l1_size, true, l2);
	for (uint32_t s = 0; s < q->nb_snapshots && ret == 0; s++) {
		const struct qcow2_snapshot *sn = &q->snapshots[s];
		g_autofree uint64_t *sl1 = g_malloc0_n(MAX(sn->l1_size, 1), 8);

		ref_range(q, &e, sn->l1_offset, (uint64_t)sn->l1_size * 8);
		if (sn->l1_size &&
		    qcow2_pread_full(q->fd, sl1, (uint64_t)sn->l1_size * 8, sn->l1_offset) < 0) {
			e.corruptions++;
			continue;
		}
		for (uint32_t i = 0; i < sn->l1_size; i++)
			sl1[i] = GUINT64_FROM_BE(sl1[i]);
		walk_tree(q, &e, sl1, sn->l1_size, false, l2);
	}
	uint64_t stored_end = q->rt_entries * q->rb_entries;
	for (uint64_t c = 0; c < MAX(e.n, stored_end) && ret == 0;) {
		uint64_t rc = 0, want = c < e.n ? e.count[c] : 0, idx = c / q->rb_entries;
		bool covered = idx < q->rt_entries && q->reftable[idx];

		if (c >= e.limit && c >= e.n)
			break; /* like qemu-img: refcounts past the end of the file are not leaks */
		if (!covered && c >= e.n) {
			c = (idx + 1) * q->rb_entries; /* nothing stored, nothing expected */
			continue;
		}
		if (covered)
			ret = qcow2_refcount_get(q, c, &rc);
		if (rc < want)
			e.corruptions++;
		else if (rc > want)
			res->leaks++;
		if (want)
			res->allocated_clusters++;
		c++;
	}
	if (ret == 0)
		ret = check_copied(q, &e, l2);
	pthread_mutex_unlock(&q->lock);
	res->corruptions = e.corruptions;
	g_free(e.count);
	if (ret < 0)
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(-ret), "%s: check: %s",
		            q->path, g_strerror(-ret));
	return ret;
}
