/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "fake-blk.h"

#define FAKE_ERROR (g_quark_from_static_string("fake-blk"))

static GMutex disks_lock;
static GHashTable *disks; /* name -> struct fake_disk * */

struct fake_disk *fake_disk_add(const char *name, uint64_t size, bool discard)
{
	struct fake_disk *d = g_new0(struct fake_disk, 1);

	d->data = g_malloc0(size);
	d->size = d->next_size = size;
	d->discard = discard;
	g_mutex_lock(&disks_lock);
	if (!disks)
		disks = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_hash_table_insert(disks, g_strdup(name), d);
	g_mutex_unlock(&disks_lock);
	return d;
}

void fake_disk_remove(const char *name)
{
	struct fake_disk *d;

	g_mutex_lock(&disks_lock);
	d = g_hash_table_lookup(disks, name);
	g_hash_table_remove(disks, name);
	g_mutex_unlock(&disks_lock);
	if (d) {
		g_free(d->data);
		g_free(d);
	}
}

static struct fake_disk *disk(struct blk_image *img)
{
	return img->priv;
}

static int mem_rw(struct blk_image *img, const struct iovec *iov, int iovcnt, uint64_t off, bool wr)
{
	struct fake_disk *d = disk(img);

	if (d->fail_io)
		return -EIO;
	for (int i = 0; i < iovcnt; i++) {
		if (off > d->size || iov[i].iov_len > d->size - off)
			return -EIO;
		if (wr)
			memcpy(d->data + off, iov[i].iov_base, iov[i].iov_len);
		else
			memcpy(iov[i].iov_base, d->data + off, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	__atomic_fetch_add(wr ? &d->writes : &d->reads, 1, __ATOMIC_RELAXED);
	return 0;
}

static int mem_preadv(struct blk_image *img, const struct iovec *iov, int iovcnt, uint64_t off)
{
	return mem_rw(img, iov, iovcnt, off, false);
}

static int mem_pwritev(struct blk_image *img, const struct iovec *iov, int iovcnt, uint64_t off)
{
	return mem_rw(img, iov, iovcnt, off, true);
}

static int mem_flush(struct blk_image *img)
{
	__atomic_fetch_add(&disk(img)->flushes, 1, __ATOMIC_RELAXED);
	return 0;
}

static int mem_fill(struct blk_image *img, uint64_t off, uint64_t len)
{
	struct fake_disk *d = disk(img);

	if (off > d->size || len > d->size - off)
		return -EIO;
	memset(d->data + off, 0, len);
	return 0;
}

static int mem_discard(struct blk_image *img, uint64_t off, uint64_t len)
{
	__atomic_fetch_add(&disk(img)->discards, 1, __ATOMIC_RELAXED);
	return mem_fill(img, off, len);
}

static int mem_write_zeroes(struct blk_image *img, uint64_t off, uint64_t len, bool may_unmap)
{
	__atomic_fetch_add(&disk(img)->wzeroes, 1, __ATOMIC_RELAXED);
	if (may_unmap)
		__atomic_fetch_add(&disk(img)->wzeroes_unmap, 1, __ATOMIC_RELAXED);
	return mem_fill(img, off, len);
}

static int mem_refresh(struct blk_image *img)
{
	struct fake_disk *d = disk(img);

	d->size = d->next_size;
	img->size = d->size;
	return 0;
}

static const struct blk_driver_ops mem_ops = {
	.name = "mem",
	.preadv = mem_preadv,
	.pwritev = mem_pwritev,
	.flush = mem_flush,
	.discard = mem_discard,
	.write_zeroes = mem_write_zeroes,
	.refresh = mem_refresh,
};

static const struct blk_driver_ops mem_plain_ops = {
	.name = "mem",
	.preadv = mem_preadv,
	.pwritev = mem_pwritev,
	.flush = mem_flush,
	.refresh = mem_refresh,
};

void blk_register_driver(const struct blk_driver_ops *ops)
{
	(void)ops;
}

struct blk_image *blk_open(const char *path, const char *format, bool read_only, GError **error)
{
	struct fake_disk *d = NULL;
	struct blk_image *img;

	(void)format;
	g_mutex_lock(&disks_lock);
	if (disks && g_str_has_prefix(path, "mem:"))
		d = g_hash_table_lookup(disks, path + 4);
	g_mutex_unlock(&disks_lock);
	if (!d) {
		g_set_error(error, FAKE_ERROR, ENOENT, "cannot open %s: No such file or directory",
		            path);
		return NULL;
	}
	img = g_new0(struct blk_image, 1);
	img->drv = d->discard ? &mem_ops : &mem_plain_ops;
	img->path = g_strdup(path);
	img->size = d->size;
	img->read_only = read_only;
	img->direct_fd = -1;
	img->priv = d;
	return img;
}

void blk_close(struct blk_image *img)
{
	g_free(img->path);
	g_free(img);
}

struct blk_queue {
	struct blk_image *img;
	int efd;
	GPtrArray *pending, *done;
};

struct blk_queue *blk_queue_new(struct blk_image *img, unsigned depth, GError **error)
{
	struct blk_queue *q = g_new0(struct blk_queue, 1);

	(void)depth;
	q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->efd < 0) {
		g_set_error(error, FAKE_ERROR, errno, "eventfd: %s", g_strerror(errno));
		g_free(q);
		return NULL;
	}
	q->img = img;
	q->pending = g_ptr_array_new();
	q->done = g_ptr_array_new();
	__atomic_fetch_add(&disk(img)->queues, 1, __ATOMIC_RELAXED);
	return q;
}

void blk_queue_free(struct blk_queue *q)
{
	close(q->efd);
	g_ptr_array_free(q->pending, TRUE);
	g_ptr_array_free(q->done, TRUE);
	g_free(q);
}

void blk_queue_submit(struct blk_queue *q, struct blk_req *req)
{
	g_ptr_array_add(q->pending, req);
}

static int run(struct blk_image *img, struct blk_req *r)
{
	if (r->op == BLK_READ || r->op == BLK_WRITE) {
		uint64_t total = 0;

		for (int i = 0; i < r->iovcnt; i++)
			total += r->iov[i].iov_len;
		if (total != r->len)
			return -EINVAL; /* the device described the request wrongly */
	}
	switch (r->op) {
	case BLK_READ:
		return img->drv->preadv(img, r->iov, r->iovcnt, r->offset);
	case BLK_WRITE:
		return img->drv->pwritev(img, r->iov, r->iovcnt, r->offset);
	case BLK_FLUSH:
		return img->drv->flush(img);
	case BLK_DISCARD:
		return img->drv->discard ? img->drv->discard(img, r->offset, r->len) : -EOPNOTSUPP;
	case BLK_WRITE_ZEROES:
		return img->drv->write_zeroes
		               ? img->drv->write_zeroes(img, r->offset, r->len, r->may_unmap)
		               : -EOPNOTSUPP;
	}
	return -EINVAL;
}

void blk_queue_kick(struct blk_queue *q)
{
	struct fake_disk *d = disk(q->img);
	unsigned n = q->pending->len, max;
	uint64_t one = 1;

	if (!n)
		return;
	__atomic_fetch_add(&d->kicks, 1, __ATOMIC_RELAXED);
	max = __atomic_load_n(&d->max_batch, __ATOMIC_RELAXED);
	while (n > max && !__atomic_compare_exchange_n(&d->max_batch, &max, n, false,
	                                               __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	for (guint i = 0; i < q->pending->len; i++) {
		struct blk_req *r = g_ptr_array_index(q->pending, i);

		r->result = run(q->img, r);
		g_ptr_array_add(q->done, r);
	}
	g_ptr_array_set_size(q->pending, 0);
	if (write(q->efd, &one, sizeof(one)) < 0)
		g_error("fake blk eventfd write: %s", g_strerror(errno));
}

int blk_queue_fd(const struct blk_queue *q)
{
	return q->efd;
}

unsigned blk_queue_complete(struct blk_queue *q)
{
	uint64_t v;
	unsigned n;

	while (read(q->efd, &v, sizeof(v)) == sizeof(v))
		;
	n = q->done->len;
	for (guint i = 0; i < n; i++) {
		struct blk_req *r = g_ptr_array_index(q->done, i);

		r->done(r);
	}
	g_ptr_array_set_size(q->done, 0);
	return n;
}
