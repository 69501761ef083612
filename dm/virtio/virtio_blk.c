/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * virtio-blk: -s N,virtio-blk,PATH[,ro][,num_queues=N][,format=raw|qcow2][,id=NAME]
 *
 * One request queue per vCPU by default (VIRTIO_BLK_F_MQ), each served by
 * its own I/O thread with its own blk_queue: the thread waits on the
 * queue's notify eventfd and the blk_queue's completion fd, submits every
 * chain a notification made available, kicks the block layer once for the
 * batch, and returns completions to the used ring with one interrupt per
 * batch when the driver wants it.
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <dm/block.h>
#include <dm/log.h>
#include <dm/monitor.h>
#include <dm/vm.h>

#include "virtio.h"

#define VBLK_ERROR                 (g_quark_from_static_string("virtio-blk"))

#define VIRTIO_ID_BLOCK            2

#define VIRTIO_BLK_F_SEG_MAX       2
#define VIRTIO_BLK_F_RO            5
#define VIRTIO_BLK_F_BLK_SIZE      6
#define VIRTIO_BLK_F_FLUSH         9
#define VIRTIO_BLK_F_MQ            12
#define VIRTIO_BLK_F_DISCARD       13
#define VIRTIO_BLK_F_WRITE_ZEROES  14

#define VIRTIO_BLK_T_IN            0
#define VIRTIO_BLK_T_OUT           1
#define VIRTIO_BLK_T_FLUSH         4
#define VIRTIO_BLK_T_GET_ID        8
#define VIRTIO_BLK_T_DISCARD       11
#define VIRTIO_BLK_T_WRITE_ZEROES  13

#define VIRTIO_BLK_S_OK            0
#define VIRTIO_BLK_S_IOERR         1
#define VIRTIO_BLK_S_UNSUPP        2

#define VIRTIO_BLK_ID_BYTES        20
#define VIRTIO_BLK_WZ_UNMAP        1u
#define VBLK_MAX_QUEUES            64
#define VBLK_SECTOR                512
#define VBLK_MAX_DISCARD_SECTORS   0x3FFFFFu /* 2 GiB - 512 per request */
#define VBLK_DISCARD_ALIGN_SECTORS 8         /* 4 KiB: what hole punching frees */

/* struct virtio_blk_config offsets. */
#define CFG_CAPACITY     0
#define CFG_SEG_MAX      12
#define CFG_BLK_SIZE     20
#define CFG_NUM_QUEUES   34
#define CFG_MAX_DISCARD  36
#define CFG_DISCARD_SEG  40
#define CFG_DISCARD_ALGN 44
#define CFG_MAX_WZ       48
#define CFG_WZ_SEG       52
#define CFG_WZ_UNMAP     56
#define CFG_SIZE         60

struct vblk;
struct vblk_queue;

struct vblk_req {
	struct blk_req br;
	struct vblk_queue *q;
	uint16_t head;
	uint8_t *status;
	uint32_t in_len;   /* bytes written for the driver on success, besides the status */
	struct iovec *iov; /* the chain (VIRTIO_QUEUE_MAX entries) */
	struct iovec *data;
	struct vblk_req *next;
};

struct vblk_queue {
	struct vblk *b;
	struct virtq *vq;
	GThread *thread;
	GMutex lock; /* everything below, and the queue's rings while serving */
	GCond idle;  /* inflight dropped to 0 */
	int ctl_fd;  /* wakes the thread for stop, pause and resume */
	struct blk_queue *bq;
	bool stop, kicked, pushed;
	unsigned paused; /* nested: a guest reset and a rescan may overlap */
	unsigned inflight;
	struct vblk_req *reqs, *free;
	struct iovec *iovs;
};

struct vblk {
	struct virtio_dev vdev;
	struct pci_dev *pci;
	struct blk_image *img;
	char *path, *format, *id;
	bool ro;
	uint64_t capacity; /* sectors; atomic */
	unsigned nq;
	struct vblk_queue *q;
	char serial[VIRTIO_BLK_ID_BYTES];
};

static GMutex vblk_list_lock;
static GSList *vblk_list;

/* ---- iovec helpers ---- */

static size_t iov_size(const struct iovec *iov, unsigned n)
{
	size_t s = 0;

	for (unsigned i = 0; i < n; i++)
		s += iov[i].iov_len;
	return s;
}

/* The part [skip, skip + len) of @src as iovecs in @dst; returns how many. */
static unsigned iov_slice(const struct iovec *src, unsigned n, size_t skip, size_t len,
                          struct iovec *dst)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n && len; i++) {
		size_t l = src[i].iov_len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		l -= skip;
		if (l > len)
			l = len;
		dst[k++] = (struct iovec){ (uint8_t *)src[i].iov_base + skip, l };
		len -= l;
		skip = 0;
	}
	return k;
}

static size_t iov_to_buf(const struct iovec *iov, unsigned n, size_t skip, void *buf, size_t len)
{
	struct iovec part[VIRTIO_QUEUE_MAX];
	unsigned k = iov_slice(iov, n, skip, len, part);
	size_t done = 0;

	for (unsigned i = 0; i < k; i++) {
		memcpy((uint8_t *)buf + done, part[i].iov_base, part[i].iov_len);
		done += part[i].iov_len;
	}
	return done;
}

static size_t iov_from_buf(const struct iovec *iov, unsigned n, const void *buf, size_t len)
{
	struct iovec part[VIRTIO_QUEUE_MAX];
	unsigned k = iov_slice(iov, n, 0, len, part);
	size_t done = 0;

	for (unsigned i = 0; i < k; i++) {
		memcpy(part[i].iov_base, (const uint8_t *)buf + done, part[i].iov_len);
		done += part[i].iov_len;
	}
	return done;
}

/* ---- requests ---- */

static void req_finish(struct vblk_queue *q, struct vblk_req *r, uint8_t status, uint32_t in_len)
{
	*r->status = status;
	vq_push(q->vq, r->head, in_len + 1);
	r->next = q->free;
	q->free = r;
	q->pushed = true;
}

/* blk_queue completion: on the queue's thread, inside blk_queue_complete, lock held. */
static void req_done(struct blk_req *br)
{
	struct vblk_req *r = br->opaque;
	struct vblk_queue *q = r->q;

	q->inflight--;
	if (br->result == 0)
		req_finish(q, r, VIRTIO_BLK_S_OK, r->in_len);
	else
		req_finish(q, r,
		           br->result == -EOPNOTSUPP ? VIRTIO_BLK_S_UNSUPP : VIRTIO_BLK_S_IOERR, 0);
}

static bool in_range(struct vblk *b, uint64_t sector, uint64_t bytes)
{
	uint64_t cap = __atomic_load_n(&b->capacity, __ATOMIC_ACQUIRE);

	return bytes % VBLK_SECTOR == 0 && sector <= cap && bytes / VBLK_SECTOR <= cap - sector;
}

static void req_submit(struct vblk_queue *q, struct vblk_req *r, enum blk_op op, uint64_t offset,
                       uint64_t len, unsigned iovcnt, bool may_unmap)
{
	r->br = (struct blk_req){ .op = op,
		                  .offset = offset,
		                  .len = len,
		                  .iov = r->data,
		                  .iovcnt = (int)iovcnt,
		                  .may_unmap = may_unmap,
		                  .done = req_done,
		                  .opaque = r };
	q->inflight++;
	blk_queue_submit(q->bq, &r->br);
}

/* DISCARD and WRITE_ZEROES: one segment {sector, num_sectors, flags} after the header. */
static int req_ranged(struct vblk_queue *q, struct vblk_req *r, uint32_t type, unsigned nout)
{
	struct vblk *b = q->b;
	bool discard = type == VIRTIO_BLK_T_DISCARD;
	uint8_t seg[16];
	uint64_t sector;
	uint32_t num, flags;
	size_t payload = iov_size(r->iov, nout) - 16;

	if (!virtio_has_feature(&b->vdev,
	                        discard ? VIRTIO_BLK_F_DISCARD : VIRTIO_BLK_F_WRITE_ZEROES))
		return VIRTIO_BLK_S_UNSUPP;
	if (b->ro)
		return VIRTIO_BLK_S_IOERR;
	if (payload != sizeof(seg))
		return payload && payload % sizeof(seg) == 0 ? VIRTIO_BLK_S_UNSUPP
		                                             : VIRTIO_BLK_S_IOERR;
	iov_to_buf(r->iov, nout, 16, seg, sizeof(seg));
	memcpy(&sector, seg, 8);
	memcpy(&num, seg + 8, 4);
	memcpy(&flags, seg + 12, 4);
	sector = le64toh(sector);
	num = le32toh(num);
	flags = le32toh(flags);
	if ((flags & ~VIRTIO_BLK_WZ_UNMAP) || (discard && flags))
		return VIRTIO_BLK_S_UNSUPP;
	if (num > VBLK_MAX_DISCARD_SECTORS || !in_range(b, sector, (uint64_t)num * VBLK_SECTOR))
		return VIRTIO_BLK_S_IOERR;
	r->in_len = 0;
	req_submit(q, r, discard ? BLK_DISCARD : BLK_WRITE_ZEROES, sector * VBLK_SECTOR,
	           (uint64_t)num * VBLK_SECTOR, 0, flags & VIRTIO_BLK_WZ_UNMAP);
	return -1;
}

/* Start one request; a status >= 0 finishes it at once, -1 means it was submitted. */
static int req_start(struct vblk_queue *q, struct vblk_req *r, unsigned nout, unsigned nin)
{
	struct vblk *b = q->b;
	struct iovec *in = r->iov + nout;
	size_t out_len = iov_size(r->iov, nout), in_len = iov_size(in, nin);
	uint8_t hdr[16];
	uint32_t type;
	uint64_t sector, len;
	unsigned n;

	if (out_len < sizeof(hdr))
		return VIRTIO_BLK_S_IOERR;
	iov_to_buf(r->iov, nout, 0, hdr, sizeof(hdr));
	memcpy(&type, hdr, 4);
	memcpy(&sector, hdr + 8, 8);
	type = le32toh(type);
	sector = le64toh(sector);
	r->in_len = 0;
	switch (type) {
	case VIRTIO_BLK_T_IN:
		len = in_len - 1;
		if (!in_range(b, sector, len))
			return VIRTIO_BLK_S_IOERR;
		n = iov_slice(in, nin, 0, len, r->data);
		r->in_len = (uint32_t)len;
		req_submit(q, r, BLK_READ, sector * VBLK_SECTOR, len, n, false);
		return -1;
	case VIRTIO_BLK_T_OUT:
		len = out_len - sizeof(hdr);
		if (b->ro || !in_range(b, sector, len))
			return VIRTIO_BLK_S_IOERR;
		n = iov_slice(r->iov, nout, sizeof(hdr), len, r->data);
		req_submit(q, r, BLK_WRITE, sector * VBLK_SECTOR, len, n, false);
		return -1;
	case VIRTIO_BLK_T_FLUSH:
		req_submit(q, r, BLK_FLUSH, 0, 0, 0, false);
		return -1;
	case VIRTIO_BLK_T_GET_ID:
		len = MIN(in_len - 1, (size_t)VIRTIO_BLK_ID_BYTES);
		r->in_len = (uint32_t)iov_from_buf(in, nin, b->serial, len);
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		return req_ranged(q, r, type, nout);
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
}

static const char *chain_error(int err)
{
	switch (err) {
	case -EOVERFLOW:
		return "the available index ran more than a queue ahead";
	case -ERANGE:
		return "a descriptor index past the queue";
	case -ELOOP:
		return "a descriptor chain longer than the queue (a loop?)";
	case -EFAULT:
		return "a buffer outside guest RAM";
	case -E2BIG:
		return "a chain too long or too large";
	default:
		return "a malformed descriptor chain (indirect table or flags)";
	}
}

/* Take every available chain, submit them, kick the block layer once. Lock held. */
static void queue_serve(struct vblk_queue *q)
{
	struct virtq *vq = q->vq;
	unsigned submitted = 0, nout, nin;
	uint16_t head;
	int ret, st;

	for (;;) {
		vq_disable_notify(vq);
		for (;;) {
			struct vblk_req *r = q->free;

			if (!r) {
				/* Legitimate drivers never have more chains out than entries. */
				if (vq_enable_notify(vq))
					virtio_vq_broken(
					        vq, "more requests in flight than queue entries");
				goto out;
			}
			ret = vq_pop(vq, r->iov, vq->size, &nout, &nin, &head);
			if (ret == 0)
				break;
			if (ret < 0) {
				virtio_vq_broken(vq, chain_error(ret));
				goto out;
			}
			q->free = r->next;
			r->head = head;
			if (nin == 0 || r->iov[nout + nin - 1].iov_len == 0) {
				/* No status byte to write: return the chain with nothing written. */
				vq_push(vq, head, 0);
				r->next = q->free;
				q->free = r;
				q->pushed = true;
				continue;
			}
			r->status = (uint8_t *)r->iov[nout + nin - 1].iov_base +
			            r->iov[nout + nin - 1].iov_len - 1;
			st = req_start(q, r, nout, nin);
			if (st >= 0)
				req_finish(q, r, (uint8_t)st, r->in_len);
			else
				submitted++;
		}
		if (!vq_enable_notify(vq))
			break;
	}
out:
	if (submitted)
		blk_queue_kick(q->bq);
}

static void drain_fd(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) == sizeof(v))
		;
}

static void wake(struct vblk_queue *q)
{
	uint64_t one = 1;

	if (write(q->ctl_fd, &one, sizeof(one)) < 0)
		dm_warn("virtio-blk: cannot wake queue thread: %s", g_strerror(errno));
}

static gpointer queue_thread(gpointer opaque)
{
	struct vblk_queue *q = opaque;
	struct pollfd pfd[3];

	for (;;) {
		g_mutex_lock(&q->lock);
		if (q->stop && q->inflight == 0) {
			g_mutex_unlock(&q->lock);
			break;
		}
		pfd[0] = (struct pollfd){ .fd = q->vq->kick_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = q->ctl_fd, .events = POLLIN };
		pfd[2] =
		        (struct pollfd){ .fd = q->bq ? blk_queue_fd(q->bq) : -1, .events = POLLIN };
		g_mutex_unlock(&q->lock);
		if (poll(pfd, 3, -1) < 0)
			continue; /* EINTR */
		if (pfd[1].revents & POLLIN)
			drain_fd(q->ctl_fd);
		g_mutex_lock(&q->lock);
		if (pfd[0].revents & POLLIN) {
			drain_fd(q->vq->kick_fd);
			q->kicked = true;
		}
		if (q->bq && (pfd[2].revents & POLLIN))
			blk_queue_complete(q->bq);
		if (q->kicked && !q->paused && !q->stop && virtio_vq_ready(q->vq)) {
			q->kicked = false;
			queue_serve(q);
		}
		if (q->pushed) {
			q->pushed = false;
			vq_notify_guest(q->vq);
		}
		if (q->inflight == 0)
			g_cond_broadcast(&q->idle);
		g_mutex_unlock(&q->lock);
	}
	return NULL;
}

/* ---- transport hooks ---- */

static void vblk_quiesce(struct virtio_dev *v)
{
	struct vblk *b = v->priv;

	for (unsigned i = 0; i < b->nq; i++) {
		struct vblk_queue *q = &b->q[i];

		g_mutex_lock(&q->lock);
		q->paused++;
		wake(q);
		while (q->inflight)
			g_cond_wait(&q->idle, &q->lock);
		g_mutex_unlock(&q->lock);
	}
}

static void vblk_resume(struct virtio_dev *v)
{
	struct vblk *b = v->priv;

	for (unsigned i = 0; i < b->nq; i++) {
		g_mutex_lock(&b->q[i].lock);
		b->q[i].paused--;
		g_mutex_unlock(&b->q[i].lock);
		wake(&b->q[i]);
	}
}

static void vblk_driver_ok(struct virtio_dev *v)
{
	struct vblk *b = v->priv;

	for (unsigned i = 0; i < b->nq; i++) {
		g_mutex_lock(&b->q[i].lock);
		b->q[i].kicked = true;
		g_mutex_unlock(&b->q[i].lock);
		wake(&b->q[i]);
	}
}

static const struct virtio_dev_ops vblk_virtio_ops = {
	.device_id = VIRTIO_ID_BLOCK,
	.quiesce = vblk_quiesce,
	.resume = vblk_resume,
	.driver_ok = vblk_driver_ok,
};

static void put_le16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, 2);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void fill_config(struct vblk *b, bool changed)
{
	uint8_t cfg[CFG_SIZE] = { 0 };
	uint64_t cap = htole64(b->img->size / VBLK_SECTOR);

	__atomic_store_n(&b->capacity, b->img->size / VBLK_SECTOR, __ATOMIC_RELEASE);
	memcpy(cfg + CFG_CAPACITY, &cap, 8);
	put_le32(cfg + CFG_SEG_MAX, VIRTIO_QUEUE_MAX - 2);
	put_le32(cfg + CFG_BLK_SIZE, VBLK_SECTOR);
	put_le16(cfg + CFG_NUM_QUEUES, (uint16_t)b->nq);
	put_le32(cfg + CFG_MAX_DISCARD, VBLK_MAX_DISCARD_SECTORS);
	put_le32(cfg + CFG_DISCARD_SEG, 1);
	put_le32(cfg + CFG_DISCARD_ALGN, VBLK_DISCARD_ALIGN_SECTORS);
	put_le32(cfg + CFG_MAX_WZ, VBLK_MAX_DISCARD_SECTORS);
	put_le32(cfg + CFG_WZ_SEG, 1);
	cfg[CFG_WZ_UNMAP] = 1;
	virtio_devcfg_set(&b->vdev, 0, cfg, sizeof(cfg), changed);
}

/* ---- options, init, teardown ---- */

#define VBLK_USAGE "virtio-blk,PATH[,ro][,num_queues=N][,format=raw|qcow2][,id=NAME]"

static int parse_opts(struct vblk *b, struct dm_vm *vm, const char *opts, GError **error)
{
	g_auto(GStrv) parts = g_strsplit(opts ? opts : "", ",", -1);

	if (!parts[0] || !*parts[0]) {
		g_set_error(error, VBLK_ERROR, EINVAL, "no image path (%s)", VBLK_USAGE);
		return -EINVAL;
	}
	b->path = g_strdup(parts[0]);
	b->nq = vm->ncpus ? MIN(vm->ncpus, VBLK_MAX_QUEUES) : 1;
	for (unsigned i = 1; parts[i]; i++) {
		const char *o = parts[i];

		if (strcmp(o, "ro") == 0) {
			b->ro = true;
		} else if (g_str_has_prefix(o, "num_queues=")) {
			const char *s = o + strlen("num_queues=");
			char *end;
			unsigned long n;

			errno = 0;
			n = strtoul(s, &end, 10);
			if (!g_ascii_isdigit(*s) || *end || errno || n < 1 || n > VBLK_MAX_QUEUES) {
				g_set_error(error, VBLK_ERROR, EINVAL,
				            "%s: the number of queues must be from 1 to %d", o,
				            VBLK_MAX_QUEUES);
				return -EINVAL;
			}
			b->nq = (unsigned)n;
		} else if (g_str_has_prefix(o, "format=")) {
			const char *f = o + strlen("format=");

			if (strcmp(f, "raw") != 0 && strcmp(f, "qcow2") != 0) {
				g_set_error(error, VBLK_ERROR, EINVAL,
				            "%s: unknown image format (known: raw, qcow2)", o);
				return -EINVAL;
			}
			g_free(b->format);
			b->format = g_strdup(f);
		} else if (g_str_has_prefix(o, "id=")) {
			const char *id = o + 3;

			if (!*id) {
				g_set_error(error, VBLK_ERROR, EINVAL, "id=: the name is empty");
				return -EINVAL;
			}
			g_free(b->id);
			b->id = g_strdup(id);
		} else {
			g_set_error(error, VBLK_ERROR, EINVAL,
			            "unknown option '%s' (known: ro, num_queues=N, "
			            "format=raw|qcow2, id=NAME)",
			            o);
			return -EINVAL;
		}
	}
	if (!b->id)
		b->id = g_strdup_printf("%u", b->pci->slot);
	return 0;
}

static struct vblk *find_by_id(struct dm_vm *vm, const char *id)
{
	for (GSList *l = vblk_list; l; l = l->next) {
		struct vblk *b = l->data;

		if (b->pci->vm == vm && strcmp(b->id, id) == 0)
			return b;
	}
	return NULL;
}

static void queues_free(struct vblk *b)
{
	for (unsigned i = 0; b->q && i < b->nq; i++) {
		struct vblk_queue *q = &b->q[i];

		if (q->thread) {
			g_mutex_lock(&q->lock);
			q->stop = true;
			g_mutex_unlock(&q->lock);
			wake(q);
			g_thread_join(q->thread);
		}
		if (q->bq)
			blk_queue_free(q->bq);
		if (q->ctl_fd >= 0)
			close(q->ctl_fd);
		g_free(q->reqs);
		g_free(q->iovs);
		g_mutex_clear(&q->lock);
		g_cond_clear(&q->idle);
	}
	g_free(b->q);
	b->q = NULL;
}

static void vblk_free(struct vblk *b)
{
	queues_free(b);
	virtio_deinit(&b->vdev);
	if (b->img)
		blk_close(b->img);
	g_free(b->path);
	g_free(b->format);
	g_free(b->id);
	g_free(b);
}

static int queues_init(struct vblk *b, GError **error)
{
	b->q = g_new0(struct vblk_queue, b->nq);
	for (unsigned i = 0; i < b->nq; i++) {
		struct vblk_queue *q = &b->q[i];

		q->b = b;
		q->vq = &b->vdev.vq[i];
		q->ctl_fd = -1;
		g_mutex_init(&q->lock);
		g_cond_init(&q->idle);
	}
	for (unsigned i = 0; i < b->nq; i++) {
		struct vblk_queue *q = &b->q[i];
		char name[16];

		q->ctl_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (q->ctl_fd < 0) {
			g_set_error(error, VBLK_ERROR, errno, "eventfd: %s", g_strerror(errno));
			return -errno;
		}
		q->bq = blk_queue_new(b->img, VIRTIO_QUEUE_MAX, error);
		if (!q->bq) {
			g_prefix_error(error, "%s: queue %u: ", b->path, i);
			return -EIO;
		}
		q->reqs = g_new0(struct vblk_req, VIRTIO_QUEUE_MAX);
		/* Untouched pages cost nothing: room for the longest chain of every request. */
		q->iovs = g_new(struct iovec, 2 * VIRTIO_QUEUE_MAX * VIRTIO_QUEUE_MAX);
		for (unsigned k = 0; k < VIRTIO_QUEUE_MAX; k++) {
			struct vblk_req *r = &q->reqs[k];

			r->q = q;
			r->iov = q->iovs + 2 * VIRTIO_QUEUE_MAX * k;
			r->data = r->iov + VIRTIO_QUEUE_MAX;
			r->next = q->free;
			q->free = r;
		}
		g_snprintf(name, sizeof(name), "vblk%02x-q%u", b->pci->slot, i);
		q->thread = g_thread_new(name, queue_thread, q);
	}
	return 0;
}

static int vblk_init(struct pci_dev *d, const char *opts, GError **error)
{
	struct vblk *b = g_new0(struct vblk, 1);
	uint64_t features;
	int ret;

	b->pci = d;
	ret = parse_opts(b, d->vm, opts, error);
	if (ret)
		goto fail;
	g_mutex_lock(&vblk_list_lock);
	if (find_by_id(d->vm, b->id)) {
		g_mutex_unlock(&vblk_list_lock);
		g_set_error(error, VBLK_ERROR, EEXIST, "id=%s: another virtio-blk has that id",
		            b->id);
		ret = -EEXIST;
		goto fail;
	}
	g_mutex_unlock(&vblk_list_lock);
	b->img = blk_open(b->path, b->format, b->ro, error);
	if (!b->img) {
		ret = -EIO;
		goto fail;
	}
	b->ro = b->ro || b->img->read_only;
	/* GET_ID: the id, NUL-padded, not terminated at 20 bytes. */
	memcpy(b->serial, b->id, MIN(strlen(b->id), sizeof(b->serial)));
	features = (1ULL << VIRTIO_F_INDIRECT_DESC) | (1ULL << VIRTIO_F_EVENT_IDX) |
	           (1ULL << VIRTIO_BLK_F_SEG_MAX) | (1ULL << VIRTIO_BLK_F_BLK_SIZE) |
	           (1ULL << VIRTIO_BLK_F_FLUSH) | (1ULL << VIRTIO_BLK_F_MQ);
	if (b->ro)
		features |= 1ULL << VIRTIO_BLK_F_RO;
	if (!b->ro && b->img->drv && b->img->drv->discard)
		features |= 1ULL << VIRTIO_BLK_F_DISCARD;
	if (!b->ro && b->img->drv && b->img->drv->write_zeroes)
		features |= 1ULL << VIRTIO_BLK_F_WRITE_ZEROES;
	ret = virtio_init(&b->vdev, d, &vblk_virtio_ops, b->nq, features, CFG_SIZE, error);
	if (ret)
		goto fail;
	b->vdev.priv = b;
	pci_set8(d, 0x0B, 0x01); /* mass storage */
	pci_set8(d, 0x0A, 0x00);
	fill_config(b, false);
	ret = queues_init(b, error);
	if (ret)
		goto fail;
	d->priv = b;
	g_mutex_lock(&vblk_list_lock);
	vblk_list = g_slist_prepend(vblk_list, b);
	g_mutex_unlock(&vblk_list_lock);
	return 0;
fail:
	vblk_free(b);
	return ret;
}

static void vblk_deinit(struct pci_dev *d)
{
	struct vblk *b = d->priv;

	g_mutex_lock(&vblk_list_lock);
	vblk_list = g_slist_remove(vblk_list, b);
	g_mutex_unlock(&vblk_list_lock);
	vblk_quiesce(&b->vdev);
	vblk_free(b);
	d->priv = NULL;
}

static void vblk_reset(struct pci_dev *d)
{
	struct vblk *b = d->priv;

	virtio_reset(&b->vdev);
}

static int vblk_bar_access(struct pci_dev *d, int bar, bool write, uint64_t offset, unsigned size,
                           uint64_t *val)
{
	struct vblk *b = d->priv;

	return virtio_bar_access(&b->vdev, bar, write, offset, size, val);
}

static void vblk_bar_moved(struct pci_dev *d, int bar, uint64_t old_addr, uint64_t new_addr)
{
	struct vblk *b = d->priv;

	virtio_bar_moved(&b->vdev, bar, old_addr, new_addr);
}

int dm_blk_rescan(struct dm_vm *vm, const char *dev_id, const char *path)
{
	struct blk_queue **nbq = NULL;
	struct blk_image *img = NULL, *old = NULL;
	GError *err = NULL;
	struct vblk *b;
	int ret = 0;

	g_mutex_lock(&vblk_list_lock);
	b = find_by_id(vm, dev_id);
	if (!b) {
		g_mutex_unlock(&vblk_list_lock);
		return -ENODEV;
	}
	if (path && *path) {
		img = blk_open(path, b->format, b->ro, &err);
		if (!img) {
			dm_warn("blkrescan %s: %s", dev_id, err ? err->message : "cannot open");
			g_clear_error(&err);
			ret = -EIO;
			g_mutex_unlock(&vblk_list_lock);
			return ret;
		}
		/* Every queue's new blk_queue first, so a failure changes nothing. */
		nbq = g_new0(struct blk_queue *, b->nq);
		for (unsigned i = 0; i < b->nq && !ret; i++) {
			nbq[i] = blk_queue_new(img, VIRTIO_QUEUE_MAX, &err);
			if (!nbq[i]) {
				dm_warn("blkrescan %s: %s", dev_id,
				        err ? err->message : "no queue");
				g_clear_error(&err);
				ret = -EIO;
			}
		}
		if (ret) {
			for (unsigned i = 0; i < b->nq; i++)
				if (nbq[i])
					blk_queue_free(nbq[i]);
			g_free(nbq);
			blk_close(img);
			g_mutex_unlock(&vblk_list_lock);
			return ret;
		}
	}
	vblk_quiesce(&b->vdev);
	if (img) {
		for (unsigned i = 0; i < b->nq; i++) {
			g_mutex_lock(&b->q[i].lock);
			blk_queue_free(b->q[i].bq);
			b->q[i].bq = nbq[i];
			g_mutex_unlock(&b->q[i].lock);
		}
		old = b->img;
		b->img = img;
		g_free(b->path);
		b->path = g_strdup(path);
		g_free(nbq);
	} else if (b->img->drv && b->img->drv->refresh) {
		ret = b->img->drv->refresh(b->img);
	} else {
		ret = -EOPNOTSUPP;
	}
	if (!ret)
		fill_config(b, true);
	vblk_resume(&b->vdev);
	g_mutex_unlock(&vblk_list_lock);
	if (old)
		blk_close(old);
	if (!ret) {
		uint64_t sectors = __atomic_load_n(&b->capacity, __ATOMIC_ACQUIRE);
		JsonObject *ev = json_object_new();

		dm_info("virtio-blk %s: %s, %llu sectors", dev_id, b->path,
		        (unsigned long long)sectors);
		virtio_config_interrupt(&b->vdev);
		/* api/monitor.md: blkrescan's event, for acrnd and other monitor clients */
		json_object_set_string_member(ev, "device", dev_id);
		json_object_set_int_member(ev, "size", (gint64)(sectors * VBLK_SECTOR));
		json_object_set_string_member(ev, "path", b->path);
		dm_event_emit("blk_resized", ev);
	}
	return ret;
}

int dm_blk_foreach(struct dm_vm *vm, int (*fn)(const char *id, struct blk_image *img, void *opaque),
                   void *opaque)
{
	int ret = 0;

	g_mutex_lock(&vblk_list_lock);
	for (GSList *l = vblk_list; l && !ret; l = l->next) {
		struct vblk *b = l->data;

		if (b->pci->vm == vm)
			ret = fn(b->id, b->img, opaque);
	}
	g_mutex_unlock(&vblk_list_lock);
	return ret;
}

int dm_blk_quiesce(struct dm_vm *vm, const char *dev_id, bool on)
{
	struct vblk *b;

	g_mutex_lock(&vblk_list_lock);
	b = find_by_id(vm, dev_id);
	g_mutex_unlock(&vblk_list_lock);
	if (!b)
		return -ENODEV;
	/* Outside the list lock: draining waits for the image, which may be slow. */
	if (on)
		vblk_quiesce(&b->vdev);
	else
		vblk_resume(&b->vdev);
	return 0;
}

int dm_blk_replace(struct dm_vm *vm, const char *dev_id, struct blk_image *img)
{
	struct blk_queue **nbq;
	struct blk_image *old;
	GError *err = NULL;
	struct vblk *b;
	bool resized;

	g_mutex_lock(&vblk_list_lock);
	b = find_by_id(vm, dev_id);
	if (!b) {
		g_mutex_unlock(&vblk_list_lock);
		return -ENODEV;
	}
	nbq = g_new0(struct blk_queue *, b->nq);
	for (unsigned i = 0; i < b->nq; i++) {
		nbq[i] = blk_queue_new(img, VIRTIO_QUEUE_MAX, &err);
		if (!nbq[i]) {
			dm_warn("virtio-blk %s: %s", dev_id, err ? err->message : "no queue");
			g_clear_error(&err);
			for (unsigned k = 0; k < i; k++)
				blk_queue_free(nbq[k]);
			g_free(nbq);
			g_mutex_unlock(&vblk_list_lock);
			return -EIO;
		}
	}
	vblk_quiesce(&b->vdev);
	for (unsigned i = 0; i < b->nq; i++) {
		g_mutex_lock(&b->q[i].lock);
		blk_queue_free(b->q[i].bq);
		b->q[i].bq = nbq[i];
		g_mutex_unlock(&b->q[i].lock);
	}
	old = b->img;
	resized = old->size != img->size;
	b->img = img;
	g_free(b->path);
	b->path = g_strdup(img->path);
	g_free(b->format);
	b->format = g_strdup(img->drv->name);
	fill_config(b, resized);
	vblk_resume(&b->vdev);
	g_mutex_unlock(&vblk_list_lock);
	g_free(nbq);
	blk_close(old);
	dm_info("virtio-blk %s: now on %s (%s)", dev_id, b->path, b->format);
	if (resized)
		virtio_config_interrupt(&b->vdev);
	return 0;
}

static const struct pci_dev_ops vblk_pci_ops = {
	.name = "virtio-blk",
	.init = vblk_init,
	.deinit = vblk_deinit,
	.reset = vblk_reset,
	.bar_access = vblk_bar_access,
	.bar_moved = vblk_bar_moved,
};

static void __attribute__((constructor)) vblk_register(void)
{
	pci_register_emulation(&vblk_pci_ops);
}
