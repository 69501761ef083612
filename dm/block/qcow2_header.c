/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QCOW2 header, header extensions and snapshot table: parsing with every
 * field bounds-checked, in-place patches of single fields, and creation of
 * a fresh v3 image.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "qcow2.h"

int qcow2_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* past the end of the file */
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int qcow2_pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

bool qcow2_ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

static int __attribute__((format(printf, 3, 4)))
bad(GError **error, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);

	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: malformed qcow2 image: %s", path,
	            msg);
	return -EINVAL;
}

/* Names the feature table gives to incompatible bits we do not know, for the error. */
static void unknown_feature_names(struct qcow2 *q, const uint8_t *t, uint32_t len, GString *out)
{
	const uint64_t known = QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT |
	                       QCOW2_INCOMPAT_DATA_FILE | QCOW2_INCOMPAT_COMPRESS |
	                       QCOW2_INCOMPAT_EXT_L2;

	for (uint32_t off = 0; off + 48 <= len; off += 48) {
		uint8_t type = t[off], bit = t[off + 1];

		if (type != 0 || bit >= 64 || !(q->incompat & ~known & (1ull << bit)))
			continue;
		g_autofree char *name = g_strndup((const char *)t + off + 2, 46);
		for (char *c = name; *c; c++)
			if (!g_ascii_isprint(*c))
				*c = '?';
		g_string_append_printf(out, "%s%s", out->len ? ", " : "", name);
	}
}

static int parse_extensions(struct qcow2 *q, const uint8_t *hdr, uint64_t end, GString *names,
                            GError **error)
{
	uint64_t off = q->header_length;

	while (off + 8 <= end) {
		uint32_t type = qcow2_be32(hdr + off);
		uint32_t len = qcow2_be32(hdr + off + 4);

		off += 8;
		if (type == QCOW2_EXT_END)
			return 0;
		if (len > end - off)
			return bad(error, q->path,
			           "header extension 0x%08x of %u bytes runs past the header", type,
			           len);
		if (type == QCOW2_EXT_BACKING_FMT) {
			if (len == 0 || len > 16)
				return bad(error, q->path, "backing format extension of %u bytes",
				           len);
			g_free(q->backing_format);
			q->backing_format = g_strndup((const char *)hdr + off, len);
		}
		if (type == QCOW2_EXT_FEATURE_NAME)
			unknown_feature_names(q, hdr + off, len, names);
		/* Other extensions (bitmaps...) stay untouched in the file. */
		off += ((uint64_t)len + 7) & ~7ull;
	}
	return 0;
}

static int check_features(struct qcow2 *q, const char *names, GError **error)
{
	const uint64_t known = QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT;
	const char *what = NULL;

	if (q->incompat & QCOW2_INCOMPAT_DATA_FILE)
		what = "an external data file (incompatible bit 2)";
	else if (q->incompat & QCOW2_INCOMPAT_COMPRESS)
		what = "a non-zlib compression type (incompatible bit 3)";
	else if (q->incompat & QCOW2_INCOMPAT_EXT_L2)
		what = "extended L2 entries (incompatible bit 4)";
	if (what) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		            "%s: qcow2 image uses %s, not supported", q->path, what);
		return -ENOTSUP;
	}
	if (q->incompat & ~known) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		            "%s: qcow2 image has unknown incompatible features 0x%" PRIx64 "%s%s%s",
		            q->path, q->incompat & ~known, *names ? " (" : "", names,
		            *names ? ")" : "");
		return -ENOTSUP;
	}
	if (!q->read_only && (q->incompat & QCOW2_INCOMPAT_CORRUPT)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_PERM,
		            "%s: qcow2 image is marked corrupt; open it read-only or repair it "
		            "(qemu-img check -r all)",
		            q->path);
		return -EROFS;
	}
	if (!q->read_only && (q->incompat & QCOW2_INCOMPAT_DIRTY)) {
		g_set_error(
		        error, G_FILE_ERROR, G_FILE_ERROR_PERM,
		        "%s: qcow2 image is dirty (lazy refcounts after a crash); repair it first "
		        "(qemu-img check -r all)",
		        q->path);
		return -EROFS;
	}
	return 0;
}

int qcow2_header_load(struct qcow2 *q, GError **error)
{
	struct stat st;
	uint8_t fixed[QCOW2_V3_HEADER_MIN];
	int ret;

	if (fstat(q->fd, &st) < 0) {
		ret = -errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(-ret), "%s: %s", q->path,
		            g_strerror(-ret));
		return ret;
	}
	if ((uint64_t)st.st_size < 72)
		return bad(error, q->path, "file is %" PRIu64 " bytes, shorter than a header",
		           (uint64_t)st.st_size);
	memset(fixed, 0, sizeof(fixed));
	ret = qcow2_pread_full(q->fd, fixed, MIN(sizeof(fixed), (size_t)st.st_size), 0);
	if (ret < 0)
		return bad(error, q->path, "header unreadable (%" PRIu64 ")", (uint64_t)-ret);
	if (qcow2_be32(fixed) != QCOW2_MAGIC)
		return bad(error, q->path, "no QFI magic (0x%08x)", qcow2_be32(fixed));
	q->version = qcow2_be32(fixed + 4);
	if (q->version != 2 && q->version != 3)
		return bad(error, q->path, "version %" PRIu64 " (2 and 3 are known)",
		           (uint64_t)q->version);
	q->cluster_bits = qcow2_be32(fixed + 20);
	if (q->cluster_bits < 9 || q->cluster_bits > 21)
		return bad(error, q->path, "cluster_bits %" PRIu64 " (9..21)",
		           (uint64_t)q->cluster_bits);
	q->cluster_size = 1ull << q->cluster_bits;
	q->size = qcow2_be64(fixed + 24);
	if (q->size > QCOW2_MAX_VIRTUAL_SIZE)
		return bad(error, q->path, "virtual size %" PRIu64 " too large", q->size);
	if (qcow2_be32(fixed + 32) != 0) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		            "%s: encrypted qcow2 images are not supported (crypt_method %u)",
		            q->path, qcow2_be32(fixed + 32));
		return -ENOTSUP;
	}
	q->l1_size = qcow2_be32(fixed + 36);
	q->l1_offset = qcow2_be64(fixed + 40);
	q->rt_offset = qcow2_be64(fixed + 48);
	q->rt_clusters = qcow2_be32(fixed + 56);
	q->nb_snapshots = qcow2_be32(fixed + 60);
	q->snapshots_offset = qcow2_be64(fixed + 64);
	if (q->version == 2) {
		q->incompat = q->compat = q->autoclear = 0;
		q->refcount_order = 4;
		q->header_length = 72;
	} else {
		if ((uint64_t)st.st_size < QCOW2_V3_HEADER_MIN)
			return bad(error, q->path, "v3 file is %" PRIu64 " bytes",
			           (uint64_t)st.st_size);
		q->incompat = qcow2_be64(fixed + 72);
		q->compat = qcow2_be64(fixed + 80);
		q->autoclear = qcow2_be64(fixed + 88);
		q->refcount_order = qcow2_be32(fixed + 96);
		q->header_length = qcow2_be32(fixed + 100);
		if (q->header_length < QCOW2_V3_HEADER_MIN || q->header_length > q->cluster_size ||
		    (q->header_length & 7))
			return bad(error, q->path, "header_length %" PRIu64,
			           (uint64_t)q->header_length);
		if (q->refcount_order > 6)
			return bad(error, q->path, "refcount_order %" PRIu64 " (0..6)",
			           (uint64_t)q->refcount_order);
	}
	/* Header extensions and the backing file name live in cluster 0. */
	uint64_t hdr_len = MIN(q->cluster_size, (uint64_t)st.st_size);
	g_autofree uint8_t *hdr = g_malloc0(q->cluster_size);
	ret = qcow2_pread_full(q->fd, hdr, hdr_len, 0);
	if (ret < 0)
		return bad(error, q->path, "cluster 0 unreadable (%" PRIu64 ")", (uint64_t)-ret);
	uint64_t bf_off = qcow2_be64(hdr + 8);
	uint32_t bf_len = qcow2_be32(hdr + 16);
	uint64_t ext_end = bf_off ? MIN(bf_off, hdr_len) : hdr_len;
	g_autoptr(GString) names = g_string_new(NULL);
	if (q->version == 3) {
		ret = parse_extensions(q, hdr, ext_end, names, error);
		if (ret < 0)
			return ret;
	}
	ret = check_features(q, names->str, error);
	if (ret < 0)
		return ret;

	q->l2_entries = q->cluster_size / 8;
	q->rb_entries = q->cluster_size * 8 >> q->refcount_order;
	q->refcount_max =
	        q->refcount_order == 6 ? UINT64_MAX : (1ull << (1u << q->refcount_order)) - 1;

	uint64_t l1_needed =
	        (q->size + q->cluster_size * q->l2_entries - 1) / (q->cluster_size * q->l2_entries);
	if ((uint64_t)q->l1_size * 8 > QCOW2_MAX_L1_BYTES)
		return bad(error, q->path, "l1_size %" PRIu64 " too large", (uint64_t)q->l1_size);
	if (q->l1_size < l1_needed)
		return bad(error, q->path, "l1_size %" PRIu64 " does not cover the virtual size",
		           (uint64_t)q->l1_size);
	if ((q->l1_offset & (q->cluster_size - 1)) || (q->l1_size && !q->l1_offset))
		return bad(error, q->path, "l1_table_offset 0x%" PRIx64 " unaligned or zero",
		           q->l1_offset);
	if (!q->rt_offset || (q->rt_offset & (q->cluster_size - 1)))
		return bad(error, q->path, "refcount_table_offset 0x%" PRIx64 " unaligned or zero",
		           q->rt_offset);
	if (q->rt_clusters == 0 ||
	    (uint64_t)q->rt_clusters * q->cluster_size > QCOW2_MAX_REFTABLE_BYTES)
		return bad(error, q->path, "refcount_table_clusters %" PRIu64,
		           (uint64_t)q->rt_clusters);
	if (q->nb_snapshots > QCOW2_MAX_SNAPSHOTS)
		return bad(error, q->path, "nb_snapshots %" PRIu64 " too many",
		           (uint64_t)q->nb_snapshots);
	if (q->nb_snapshots &&
	    (!q->snapshots_offset || (q->snapshots_offset & (q->cluster_size - 1))))
		return bad(error, q->path, "snapshots_offset 0x%" PRIx64 " unaligned or zero",
		           q->snapshots_offset);
	uint64_t cs = q->cluster_size, l1_bytes = (uint64_t)q->l1_size * 8,
	         rt_bytes = (uint64_t)q->rt_clusters * cs;
	if (qcow2_ranges_overlap(0, cs, q->l1_offset, l1_bytes) ||
	    qcow2_ranges_overlap(0, cs, q->rt_offset, rt_bytes) ||
	    qcow2_ranges_overlap(q->l1_offset, l1_bytes, q->rt_offset, rt_bytes) ||
	    (q->nb_snapshots && qcow2_ranges_overlap(0, cs, q->snapshots_offset, 1)))
		return bad(error, q->path,
		           "overlapping header, L1 or refcount tables (L1 at 0x%" PRIx64 ")",
		           q->l1_offset);
	if (q->l1_offset + l1_bytes > (uint64_t)st.st_size ||
	    q->rt_offset + rt_bytes > (uint64_t)st.st_size)
		return bad(error, q->path,
		           "L1 or refcount table past the end of the file (%" PRIu64 " bytes)",
		           (uint64_t)st.st_size);

	if (bf_off) {
		if (bf_len == 0 || bf_len > 1023 || bf_off < q->header_length ||
		    bf_off + bf_len > hdr_len)
			return bad(error, q->path,
			           "backing file name at 0x%" PRIx64 " out of cluster 0", bf_off);
		q->backing_file = g_strndup((const char *)hdr + bf_off, (uint64_t)bf_len);
		if (strlen(q->backing_file) != bf_len)
			return bad(error, q->path, "backing file name contains NUL (%" PRIu64 ")",
			           (uint64_t)bf_len);
	}
	q->file_clusters = ((uint64_t)st.st_size + cs - 1) >> q->cluster_bits;

	/* The active L1. */
	q->l1 = g_malloc0_n(MAX(q->l1_size, 1), 8);
	if (q->l1_size) {
		ret = qcow2_pread_full(q->fd, q->l1, l1_bytes, q->l1_offset);
		if (ret < 0)
			return bad(error, q->path, "L1 table unreadable (%" PRIu64 ")",
			           (uint64_t)-ret);
		for (uint32_t i = 0; i < q->l1_size; i++)
			q->l1[i] = GUINT64_FROM_BE(q->l1[i]);
	}
	return 0;
}

void qcow2_snapshots_free(struct qcow2_snapshot *sn, uint32_t n)
{
	if (!sn)
		return;
	for (uint32_t i = 0; i < n; i++) {
		g_free(sn[i].id);
		g_free(sn[i].name);
		g_free(sn[i].extra);
	}
	g_free(sn);
}

int qcow2_snapshots_load(struct qcow2 *q, GError **error)
{
	uint64_t off = q->snapshots_offset, total = 0;
	uint8_t h[40];
	int ret;

	qcow2_snapshots_free(q->snapshots, 0);
	q->snapshots = g_new0(struct qcow2_snapshot, MAX(q->nb_snapshots, 1));
	for (uint32_t i = 0; i < q->nb_snapshots; i++) {
		struct qcow2_snapshot *s = &q->snapshots[i];

		ret = qcow2_pread_full(q->fd, h, sizeof(h), off);
		if (ret < 0)
			return bad(error, q->path,
			           "snapshot table entry at 0x%" PRIx64 " unreadable", off);
		s->l1_offset = qcow2_be64(h);
		s->l1_size = qcow2_be32(h + 8);
		uint16_t id_len = qcow2_be16(h + 12), name_len = qcow2_be16(h + 14);
		s->date_sec = qcow2_be32(h + 16);
		s->date_nsec = qcow2_be32(h + 20);
		s->vm_clock_nsec = qcow2_be64(h + 24);
		s->vm_state_size = qcow2_be32(h + 32);
		s->extra_size = qcow2_be32(h + 36);
		uint64_t body = (uint64_t)s->extra_size + id_len + name_len;
		uint64_t len =
		        (40 + body + 7) & ~7ull; /* the last entry's padding may be missing */
		total += len;
		if (s->extra_size > 1024 || total > QCOW2_MAX_SNAPTABLE)
			return bad(error, q->path, "snapshot %" PRIu64 " entry too large",
			           (uint64_t)i);
		if ((s->l1_offset & (q->cluster_size - 1)) ||
		    (uint64_t)s->l1_size * 8 > QCOW2_MAX_L1_BYTES || (s->l1_size && !s->l1_offset))
			return bad(error, q->path, "snapshot %" PRIu64 " has a bad L1 table",
			           (uint64_t)i);
		g_autofree uint8_t *rest = g_malloc0(body + 1);
		ret = qcow2_pread_full(q->fd, rest, body, off + 40);
		if (ret < 0)
			return bad(error, q->path, "snapshot %" PRIu64 " entry truncated",
			           (uint64_t)i);
		s->extra = g_memdup2(rest, s->extra_size);
		s->id = g_strndup((const char *)rest + s->extra_size, id_len);
		s->name = g_strndup((const char *)rest + s->extra_size + id_len, name_len);
		off += len;
	}
	q->snapshots_size = total;
	if (q->nb_snapshots && (qcow2_ranges_overlap(q->snapshots_offset, total, q->l1_offset,
	                                             (uint64_t)q->l1_size * 8) ||
	                        qcow2_ranges_overlap(q->snapshots_offset, total, q->rt_offset,
	                                             (uint64_t)q->rt_clusters * q->cluster_size)))
		return bad(error, q->path,
		           "snapshot table at 0x%" PRIx64 " overlaps the L1 or refcount table",
		           q->snapshots_offset);
	return 0;
}

uint8_t *qcow2_snapshots_encode(const struct qcow2_snapshot *sn, uint32_t n, size_t *len)
{
	GByteArray *b = g_byte_array_new();

	for (uint32_t i = 0; i < n; i++) {
		const struct qcow2_snapshot *s = &sn[i];
		uint8_t h[40];
		size_t id_len = strlen(s->id), name_len = strlen(s->name);

		qcow2_put_be64(h, s->l1_offset);
		qcow2_put_be32(h + 8, s->l1_size);
		qcow2_put_be16(h + 12, (uint16_t)id_len);
		qcow2_put_be16(h + 14, (uint16_t)name_len);
		qcow2_put_be32(h + 16, s->date_sec);
		qcow2_put_be32(h + 20, s->date_nsec);
		qcow2_put_be64(h + 24, s->vm_clock_nsec);
		qcow2_put_be32(h + 32, s->vm_state_size);
		qcow2_put_be32(h + 36, s->extra_size);
		g_byte_array_append(b, h, sizeof(h));
		g_byte_array_append(b, s->extra, s->extra_size);
		g_byte_array_append(b, (const uint8_t *)s->id, (guint)id_len);
		g_byte_array_append(b, (const uint8_t *)s->name, (guint)name_len);
		static const uint8_t pad[8];
		g_byte_array_append(b, pad, (guint)((8 - (b->len & 7)) & 7));
	}
	*len = b->len;
	return g_byte_array_free(b, FALSE);
}

int qcow2_header_patch(struct qcow2 *q, uint64_t off, const void *buf, size_t len)
{
	return qcow2_pwrite_full(q->fd, buf, len, off);
}

void qcow2_complain(struct qcow2 *q, const char *fmt, ...)
{
	va_list ap;

	if (q->complained)
		return;
	q->complained = true;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_message("%s: %s", q->path, msg);
}

int qcow2_mark_corrupt(struct qcow2 *q, const char *why)
{
	uint8_t b[8];

	g_message("%s: qcow2 metadata inconsistent (%s); marking the image corrupt", q->path, why);
	if (q->version < 3 || q->read_only)
		return -EIO;
	q->incompat |= QCOW2_INCOMPAT_CORRUPT;
	qcow2_put_be64(b, q->incompat);
	if (qcow2_header_patch(q, QCOW2_OFF_INCOMPAT, b, 8) == 0)
		(void)fdatasync(q->fd);
	/* Refuse every further write: the image is not to be touched until repaired. */
	q->read_only = true;
	return -EIO;
}

int qcow2_create(const char *path, const struct qcow2_create_opts *opts, GError **error)
{
	unsigned cb = opts->cluster_bits ? opts->cluster_bits : 16;
	uint64_t size = opts->size;
	int ret;

	if (cb < 9 || cb > 21) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "cluster_bits %u out of 9..21",
		            cb);
		return -EINVAL;
	}
	if (opts->backing_file && strlen(opts->backing_file) > 1023) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "backing file name too long");
		return -EINVAL;
	}
	if (opts->backing_file && size == 0) {
		g_autofree char *dir = g_path_get_dirname(path);
		g_autofree char *bpath = g_path_is_absolute(opts->backing_file)
		                                 ? g_strdup(opts->backing_file)
		                                 : g_build_filename(dir, opts->backing_file, NULL);
		struct blk_image *b = blk_open(bpath, opts->backing_format, true, error);

		if (!b)
			return -ENOENT;
		size = b->size;
		blk_close(b);
	}
	if (size > QCOW2_MAX_VIRTUAL_SIZE) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "size %" PRIu64 " too large",
		            size);
		return -EINVAL;
	}
	uint64_t cs = 1ull << cb, l2e = cs / 8, rbe = cs * 8 / 16;
	uint64_t l1_size = (size + cs * l2e - 1) / (cs * l2e);
	uint64_t l1_clusters = MAX(1, (l1_size * 8 + cs - 1) / cs);
	uint64_t nclusters = 3 + l1_clusters;
	if (nclusters > rbe || l1_size * 8 > QCOW2_MAX_L1_BYTES) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		            "size %" PRIu64 " too large for %" PRIu64 "-byte clusters", size, cs);
		return -EINVAL;
	}

	g_autofree uint8_t *buf = g_malloc0(nclusters * cs);
	uint8_t *h = buf;
	qcow2_put_be32(h, QCOW2_MAGIC);
	qcow2_put_be32(h + 4, 3);
	qcow2_put_be32(h + 20, cb);
	qcow2_put_be64(h + 24, size);
	qcow2_put_be32(h + 36, (uint32_t)l1_size);
	qcow2_put_be64(h + 40, 3 * cs);
	qcow2_put_be64(h + 48, cs);
	qcow2_put_be32(h + 56, 1);
	qcow2_put_be32(h + 96, 4);
	qcow2_put_be32(h + 100, QCOW2_HEADER_LEN_WRITTEN);
	uint64_t off = QCOW2_HEADER_LEN_WRITTEN;
	if (opts->backing_file) {
		const char *fmt = opts->backing_format;
		size_t flen = fmt ? strlen(fmt) : 0;

		if (flen > 16) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			            "backing format too long");
			return -EINVAL;
		}
		if (flen) {
			qcow2_put_be32(h + off, QCOW2_EXT_BACKING_FMT);
			qcow2_put_be32(h + off + 4, (uint32_t)flen);
			memcpy(h + off + 8, fmt, flen);
			off += 8 + ((flen + 7) & ~7ull);
		}
		off += 8; /* end-of-extensions marker, zeros */
		size_t blen = strlen(opts->backing_file);
		qcow2_put_be64(h + 8, off);
		qcow2_put_be32(h + 16, (uint32_t)blen);
		memcpy(h + off, opts->backing_file, blen);
	}
	qcow2_put_be64(buf + cs, 2 * cs); /* refcount table entry 0 */
	for (uint64_t i = 0; i < nclusters; i++)
		qcow2_put_be16(buf + 2 * cs + 2 * i, 1);

	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(-ret), "%s: %s", path,
		            g_strerror(-ret));
		return ret;
	}
	ret = qcow2_pwrite_full(fd, buf, nclusters * cs, 0);
	if (ret == 0 && fsync(fd) < 0)
		ret = -errno;
	close(fd);
	if (ret < 0)
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(-ret), "%s: %s", path,
		            g_strerror(-ret));
	return ret;
}
