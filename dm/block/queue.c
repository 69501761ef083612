/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-thread asynchronous request queues. Images with a direct fd (raw) go
 * through io_uring: submissions are prepared at once and handed to the
 * kernel in one io_uring_submit at kick; the ring signals an eventfd. Other
 * formats run on a small thread pool calling the driver's synchronous,
 * thread-safe operations; workers signal the same eventfd. For qcow2, reads
 * and in-place writes whose clusters are allocated and contiguous take the
 * io_uring path too, on a mapping the engine pins until completion
 * (qcow2_direct_map); everything else goes to the pool. Either way the
 * owner polls blk_queue_fd() and calls blk_queue_complete() from its own
 * thread, so done() always runs there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <dm/block.h>

#include "iov.h"
#include "qcow2_api.h"

#define POOL_THREADS_MAX 8
#define DIRECT_MAX       (128u << 10) /* bytes: larger qcow2 transfers go to the pool */

struct blk_queue {
	struct blk_image *img;
	unsigned depth;
	int efd;
	bool uring;  /* raw: every request through the ring */
	bool direct; /* qcow2: mapped reads and writes through the ring, the rest on the pool */
	/* io_uring */
	struct io_uring ring;
	unsigned in_kernel; /* prepared or submitted, not yet reaped */
	GQueue waiting;     /* submitted while the ring was full */
	GQueue failed;      /* finished without reaching the kernel */
	/* thread pool */
	GThreadPool *pool;
	GPtrArray *batch;
	GMutex lock;
	GQueue finished;
};

static void signal_fd(int efd)
{
	uint64_t one = 1;

	while (write(efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

static int run_sync(struct blk_image *img, struct blk_req *r)
{
	const struct blk_driver_ops *d = img->drv;

	switch (r->op) {
	case BLK_READ:
		return d->preadv(img, r->iov, r->iovcnt, r->offset);
	case BLK_WRITE:
		return img->read_only ? -EROFS : d->pwritev(img, r->iov, r->iovcnt, r->offset);
	case BLK_FLUSH:
		return d->flush(img);
	case BLK_DISCARD:
		if (img->read_only)
			return -EROFS;
		return d->discard ? d->discard(img, r->offset, r->len) : -EOPNOTSUPP;
	case BLK_WRITE_ZEROES:
		if (img->read_only)
			return -EROFS;
		return d->write_zeroes ? d->write_zeroes(img, r->offset, r->len, r->may_unmap)
		                       : -EOPNOTSUPP;
	}
	return -EINVAL;
}

/* Refuse what must not reach the kernel: out-of-range or writes to a read-only image. */
static int validate(struct blk_queue *q, struct blk_req *r)
{
	bool writes = r->op == BLK_WRITE || r->op == BLK_DISCARD || r->op == BLK_WRITE_ZEROES;

	if (writes && q->img->read_only)
		return -EROFS;
	if (r->op == BLK_FLUSH)
		return 0;
	if (r->offset > q->img->size || r->len > q->img->size - r->offset)
		return -EINVAL;
	if ((r->op == BLK_READ || r->op == BLK_WRITE) && blk_iov_size(r->iov, r->iovcnt) != r->len)
		return -EINVAL;
	return 0;
}

/* ---- io_uring ---- */

/* A qcow2 transfer on a pinned host mapping (the ring's user data in direct mode). */
struct direct_io {
	struct blk_req *req;
	int fd;
	uint64_t host;
};

static bool uring_prep(struct blk_queue *q, struct blk_req *r)
{
	struct io_uring_sqe *sqe;
	int fd = q->img->direct_fd;

	if (q->in_kernel >= q->depth)
		return false;
	sqe = io_uring_get_sqe(&q->ring);
	if (!sqe) {
		io_uring_submit(&q->ring);
		sqe = io_uring_get_sqe(&q->ring);
		if (!sqe)
			return false;
	}
	switch (r->op) {
	case BLK_READ:
		io_uring_prep_readv(sqe, fd, r->iov, (unsigned)r->iovcnt, r->offset);
		break;
	case BLK_WRITE:
		io_uring_prep_writev(sqe, fd, r->iov, (unsigned)r->iovcnt, r->offset);
		break;
	case BLK_FLUSH:
		io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
		break;
	case BLK_DISCARD:
		io_uring_prep_fallocate(sqe, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		                        (off_t)r->offset, (off_t)r->len);
		break;
	case BLK_WRITE_ZEROES:
		io_uring_prep_fallocate(
		        sqe, fd,
		        (r->may_unmap ? FALLOC_FL_PUNCH_HOLE : FALLOC_FL_ZERO_RANGE) |
		                FALLOC_FL_KEEP_SIZE,
		        (off_t)r->offset, (off_t)r->len);
		break;
	}
	io_uring_sqe_set_data(sqe, r);
	q->in_kernel++;
	return true;
}

/* Move waiting requests into the ring while there is room; true if any moved. */
static bool uring_refill(struct blk_queue *q)
{
	bool any = false;

	while (!g_queue_is_empty(&q->waiting) && uring_prep(q, g_queue_peek_head(&q->waiting))) {
		g_queue_pop_head(&q->waiting);
		any = true;
	}
	return any;
}

/* A short transfer or an unsupported fallocate finishes synchronously. */
static int uring_result(struct blk_queue *q, struct blk_req *r, int res, int fd, uint64_t off)
{
	if (r->op == BLK_READ || r->op == BLK_WRITE) {
		if (res < 0)
			return res;
		if ((uint64_t)res == r->len)
			return 0;
		struct iovec small[8],
		        *sl = r->iovcnt <= 8 ? small : g_new(struct iovec, r->iovcnt);
		int n = blk_iov_slice(r->iov, r->iovcnt, (uint64_t)res, r->len - (uint64_t)res, sl);
		int ret = r->op == BLK_READ ? blk_preadv_full(fd, sl, n, off + (uint64_t)res)
		                            : blk_pwritev_full(fd, sl, n, off + (uint64_t)res);
		if (sl != small)
			g_free(sl);
		return ret;
	}
	if ((res == -EOPNOTSUPP || res == -EINVAL) &&
	    (r->op == BLK_DISCARD || r->op == BLK_WRITE_ZEROES))
		return run_sync(q->img, r); /* the driver knows the fallbacks */
	return res < 0 ? res : 0;
}

static unsigned uring_complete(struct blk_queue *q)
{
	struct io_uring_cqe *cqe;
	unsigned n = 0;

	for (;;) {
		struct blk_req *r = g_queue_pop_head(&q->failed);

		if (r) {
			r->done(r);
			n++;
			continue;
		}
		if (io_uring_peek_cqe(&q->ring, &cqe) != 0)
			break;
		int res = cqe->res;
		void *data = io_uring_cqe_get_data(cqe);
		io_uring_cqe_seen(&q->ring, cqe);
		q->in_kernel--;
		if (q->direct) {
			struct direct_io *d = data;
			r = d->req;
			r->result = uring_result(q, r, res, d->fd, d->host);
			qcow2_direct_done(q->img);
			g_free(d);
		} else {
			r = data;
			r->result = uring_result(q, r, res, q->img->direct_fd, r->offset);
		}
		r->done(r);
		n++;
	}
	if (uring_refill(q))
		io_uring_submit(&q->ring);
	return n;
}

/* qcow2: run @r through the ring if the engine maps it to one host extent now. */
static bool direct_submit(struct blk_queue *q, struct blk_req *r)
{
	struct io_uring_sqe *sqe;
	uint64_t host;
	int fd;

	/* Big transfers from the page cache are copies the submitting thread would make
	 * alone; the pool spreads them over its threads. */
	if ((r->op != BLK_READ && r->op != BLK_WRITE) || r->len > DIRECT_MAX ||
	    q->in_kernel >= q->depth)
		return false;
	if (qcow2_direct_map(q->img, r->op == BLK_WRITE, r->offset, r->len, &fd, &host) < 0)
		return false;
	sqe = io_uring_get_sqe(&q->ring);
	if (!sqe) {
		io_uring_submit(&q->ring);
		sqe = io_uring_get_sqe(&q->ring);
	}
	if (!sqe) {
		qcow2_direct_done(q->img);
		return false;
	}
	if (r->op == BLK_READ)
		io_uring_prep_readv(sqe, fd, r->iov, (unsigned)r->iovcnt, host);
	else
		io_uring_prep_writev(sqe, fd, r->iov, (unsigned)r->iovcnt, host);
	struct direct_io *d = g_new(struct direct_io, 1);
	*d = (struct direct_io){ r, fd, host };
	io_uring_sqe_set_data(sqe, d);
	q->in_kernel++;
	return true;
}

/* ---- thread pool ---- */

static void pool_run(gpointer data, gpointer user)
{
	struct blk_req *r = data;
	struct blk_queue *q = user;

	r->result = run_sync(q->img, r);
	g_mutex_lock(&q->lock);
	/* The owner drains the whole list: only the first completion needs to wake it. */
	bool wake = g_queue_is_empty(&q->finished);
	g_queue_push_tail(&q->finished, r);
	g_mutex_unlock(&q->lock);
	if (wake)
		signal_fd(q->efd);
}

static unsigned pool_complete(struct blk_queue *q)
{
	GQueue done = G_QUEUE_INIT;
	unsigned n = 0;

	g_mutex_lock(&q->lock);
	done = q->finished;
	g_queue_init(&q->finished);
	g_mutex_unlock(&q->lock);
	for (struct blk_req *r; (r = g_queue_pop_head(&done)); n++)
		r->done(r);
	return n;
}

/* ---- API ---- */

struct blk_queue *blk_queue_new(struct blk_image *img, unsigned depth, GError **error)
{
	struct blk_queue *q = g_new0(struct blk_queue, 1);
	int ret;

	q->img = img;
	q->depth = CLAMP(depth, 1, 4096);
	q->uring = img->direct_fd >= 0;
	g_queue_init(&q->waiting);
	g_queue_init(&q->failed);
	g_queue_init(&q->finished);
	g_mutex_init(&q->lock);
	q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->efd < 0) {
		ret = -errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(-ret), "eventfd: %s",
		            g_strerror(-ret));
		goto fail;
	}
	if (q->uring) {
		ret = io_uring_queue_init(q->depth, &q->ring, 0);
		if (ret == 0) {
			ret = io_uring_register_eventfd(&q->ring, q->efd);
			if (ret < 0)
				io_uring_queue_exit(&q->ring);
		}
		if (ret < 0) {
			g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(-ret),
			            "%s: io_uring setup: %s", img->path, g_strerror(-ret));
			goto fail;
		}
	} else {
		q->direct = blk_is_qcow2(img) && io_uring_queue_init(q->depth, &q->ring, 0) == 0;
		if (q->direct && io_uring_register_eventfd(&q->ring, q->efd) < 0) {
			io_uring_queue_exit(&q->ring);
			q->direct = false; /* the pool alone still works */
		}
		q->batch = g_ptr_array_new();
		q->pool = g_thread_pool_new(pool_run, q, (gint)MIN(q->depth, POOL_THREADS_MAX),
		                            FALSE, error);
		if (!q->pool)
			goto fail;
	}
	return q;
fail:
	if (q->efd >= 0)
		close(q->efd);
	if (q->batch)
		g_ptr_array_free(q->batch, TRUE);
	g_mutex_clear(&q->lock);
	g_free(q);
	return NULL;
}

void blk_queue_submit(struct blk_queue *q, struct blk_req *req)
{
	int ret = validate(q, req);

	if (ret < 0) {
		req->result = ret;
		if (q->uring) {
			g_queue_push_tail(&q->failed, req);
		} else {
			g_mutex_lock(&q->lock);
			g_queue_push_tail(&q->finished, req);
			g_mutex_unlock(&q->lock);
		}
		signal_fd(q->efd);
		return;
	}
	if (q->uring) {
		if (!g_queue_is_empty(&q->waiting) || !uring_prep(q, req))
			g_queue_push_tail(&q->waiting, req);
	} else if (!(q->direct && direct_submit(q, req))) {
		g_ptr_array_add(q->batch, req);
	}
}

void blk_queue_kick(struct blk_queue *q)
{
	if (q->uring) {
		uring_refill(q);
		io_uring_submit(&q->ring);
		return;
	}
	if (q->direct)
		io_uring_submit(&q->ring);
	for (guint i = 0; i < q->batch->len; i++)
		g_thread_pool_push(q->pool, q->batch->pdata[i], NULL);
	g_ptr_array_set_size(q->batch, 0);
}

int blk_queue_fd(const struct blk_queue *q)
{
	return q->efd;
}

unsigned blk_queue_complete(struct blk_queue *q)
{
	uint64_t v;

	/* Clear the eventfd first: a completion signalled after this read stays signalled. */
	while (read(q->efd, &v, sizeof(v)) < 0 && errno == EINTR)
		;
	if (q->uring)
		return uring_complete(q);
	unsigned n = q->direct ? uring_complete(q) : 0;
	return n + pool_complete(q);
}

void blk_queue_free(struct blk_queue *q)
{
	if (!q)
		return;
	if (q->uring || q->direct) {
		struct io_uring_cqe *cqe;

		io_uring_submit(&q->ring);
		while (q->in_kernel > 0 && io_uring_wait_cqe(&q->ring, &cqe) == 0) {
			if (q->direct) {
				/* Unpin the mapping, or the engine would wait for it forever. */
				g_free(io_uring_cqe_get_data(cqe));
				qcow2_direct_done(q->img);
			}
			io_uring_cqe_seen(&q->ring, cqe);
			q->in_kernel--;
		}
		io_uring_queue_exit(&q->ring);
		g_queue_clear(&q->waiting);
		g_queue_clear(&q->failed);
	}
	if (!q->uring) {
		g_thread_pool_free(q->pool, FALSE, TRUE);
		g_ptr_array_free(q->batch, TRUE);
		g_queue_clear(&q->finished);
	}
	close(q->efd);
	g_mutex_clear(&q->lock);
	g_free(q);
}
