/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The virtio 1.x modern PCI transport: vendor 0x1af4, device 0x1040 + id,
 * the common, notify, ISR and device capabilities in BAR 0 (64-bit memory),
 * MSI-X with one vector per queue plus one for configuration changes.
 * Register accesses arrive on the ioreq thread; queue notifications go to
 * per-queue eventfds registered at the notify addresses, so a vCPU never
 * waits for the device.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <dm/io.h>
#include <dm/log.h>
#include <dm/vm.h>

#include "virtio.h"

#define VIRTIO_ERROR      (g_quark_from_static_string("dm-virtio"))

#define VIRTIO_PCI_VENDOR 0x1AF4
#define VIRTIO_PCI_DEVICE 0x1040
#define PCI_CAP_ID_VNDR   0x09
#define VIRTIO_CAP_COMMON 1
#define VIRTIO_CAP_NOTIFY 2
#define VIRTIO_CAP_ISR    3
#define VIRTIO_CAP_DEVICE 4

/* Common configuration offsets. */
#define CC_DFSELECT  0
#define CC_DF        4
#define CC_GFSELECT  8
#define CC_GF        12
#define CC_MSIX      16
#define CC_NUMQ      18
#define CC_STATUS    20
#define CC_CFGGEN    21
#define CC_Q_SELECT  22
#define CC_Q_SIZE    24
#define CC_Q_MSIX    26
#define CC_Q_ENABLE  28
#define CC_Q_NOFF    30
#define CC_Q_DESCLO  32
#define CC_Q_DESCHI  36
#define CC_Q_AVAILLO 40
#define CC_Q_AVAILHI 44
#define CC_Q_USEDLO  48
#define CC_Q_USEDHI  52

static uint8_t status_get(const struct virtio_dev *v)
{
	return __atomic_load_n(&v->status, __ATOMIC_ACQUIRE);
}

bool virtio_has_feature(const struct virtio_dev *v, unsigned bit)
{
	return (__atomic_load_n(&v->guest_features, __ATOMIC_RELAXED) >> bit) & 1;
}

bool virtio_vq_ready(const struct virtq *vq)
{
	uint8_t st = status_get(vq->dev);

	return (st & VIRTIO_STATUS_DRIVER_OK) && !(st & VIRTIO_STATUS_NEEDS_RESET) &&
	       __atomic_load_n(&vq->enabled, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&vq->broken, __ATOMIC_ACQUIRE);
}

static void isr_raise(struct virtio_dev *v, uint8_t bit)
{
	g_mutex_lock(&v->isr_lock);
	v->isr |= bit;
	pci_intx_assert(v->pci);
	g_mutex_unlock(&v->isr_lock);
}

static uint8_t isr_read_clear(struct virtio_dev *v)
{
	uint8_t isr;

	g_mutex_lock(&v->isr_lock);
	isr = v->isr;
	v->isr = 0;
	pci_intx_deassert(v->pci);
	g_mutex_unlock(&v->isr_lock);
	return isr;
}

void virtio_vq_interrupt(struct virtq *vq)
{
	struct virtio_dev *v = vq->dev;

	if (pci_msix_enabled(v->pci)) {
		uint16_t vec = __atomic_load_n(&vq->msix_vector, __ATOMIC_RELAXED);

		if (vec != VIRTIO_MSI_NO_VECTOR)
			pci_msix_notify(v->pci, vec);
	} else {
		isr_raise(v, 1);
	}
}

void virtio_config_interrupt(struct virtio_dev *v)
{
	if (!(status_get(v) & VIRTIO_STATUS_DRIVER_OK))
		return;
	if (pci_msix_enabled(v->pci)) {
		uint16_t vec = __atomic_load_n(&v->config_vector, __ATOMIC_RELAXED);

		if (vec != VIRTIO_MSI_NO_VECTOR)
			pci_msix_notify(v->pci, vec);
	} else {
		isr_raise(v, 2);
	}
}

void virtio_vq_broken(struct virtq *vq, const char *why)
{
	struct virtio_dev *v = vq->dev;
	bool first;

	__atomic_store_n(&vq->broken, true, __ATOMIC_RELEASE);
	__atomic_fetch_or(&v->status, VIRTIO_STATUS_NEEDS_RESET, __ATOMIC_ACQ_REL);
	/* Once per reset: a guest must not flood the log. */
	first = !__atomic_exchange_n(&v->broken_logged, true, __ATOMIC_ACQ_REL);
	if (first)
		dm_warn("pci %02x.%x virtio queue %u: %s; the device needs a reset", v->pci->slot,
		        v->pci->func, vq->idx, why);
	virtio_config_interrupt(v);
}

static void needs_reset(struct virtio_dev *v, const char *fmt, unsigned arg)
{
	__atomic_fetch_or(&v->status, VIRTIO_STATUS_NEEDS_RESET, __ATOMIC_ACQ_REL);
	if (!__atomic_exchange_n(&v->broken_logged, true, __ATOMIC_ACQ_REL)) {
		g_autofree char *msg = g_strdup_printf(fmt, arg);

		dm_warn("pci %02x.%x virtio: %s; the device needs a reset", v->pci->slot,
		        v->pci->func, msg);
	}
	virtio_config_interrupt(v);
}

void virtio_devcfg_set(struct virtio_dev *v, unsigned off, const void *buf, unsigned len,
                       bool notify_change)
{
	if (off > v->devcfg_len || len > v->devcfg_len - off)
		return;
	g_mutex_lock(&v->lock);
	memcpy(v->devcfg + off, buf, len);
	if (notify_change)
		v->config_gen++;
	g_mutex_unlock(&v->lock);
}

static void add_cap(struct pci_dev *d, uint8_t type, uint32_t off, uint32_t len, bool notify)
{
	uint8_t cap[20] = { PCI_CAP_ID_VNDR, 0, notify ? 20 : 16, type, VIRTIO_BAR };

	memcpy(cap + 8, &(uint32_t){ htole32(off) }, 4);
	memcpy(cap + 12, &(uint32_t){ htole32(len) }, 4);
	if (notify)
		memcpy(cap + 16, &(uint32_t){ htole32(VIRTIO_NOTIFY_MULT) }, 4);
	pci_add_cap(d, cap, cap[2]);
}

int virtio_init(struct virtio_dev *v, struct pci_dev *d, const struct virtio_dev_ops *ops,
                unsigned nq, uint64_t features, unsigned devcfg_len, GError **error)
{
	int ret;

	if (nq == 0 || nq > VIRTIO_MAX_QUEUES ||
	    nq + 1 > (VIRTIO_MSIX_PBA_OFF - VIRTIO_MSIX_TABLE_OFF) / 16 ||
	    devcfg_len > VIRTIO_DEVCFG_MAX) {
		g_set_error(error, VIRTIO_ERROR, EINVAL, "%u queues: too many for the transport",
		            nq);
		return -EINVAL;
	}
	memset(v, 0, sizeof(*v));
	v->pci = d;
	v->ops = ops;
	v->nq = nq;
	v->host_features = features | (1ULL << VIRTIO_F_VERSION_1);
	v->devcfg = g_malloc0(devcfg_len ? devcfg_len : 1);
	v->devcfg_len = devcfg_len;
	v->config_vector = VIRTIO_MSI_NO_VECTOR;
	g_mutex_init(&v->lock);
	g_mutex_init(&v->isr_lock);
	v->vq = g_new0(struct virtq, nq);
	for (unsigned i = 0; i < nq; i++) {
		struct virtq *vq = &v->vq[i];

		vq->dev = v;
		vq->idx = i;
		vq->size = VIRTIO_QUEUE_MAX;
		vq->msix_vector = VIRTIO_MSI_NO_VECTOR;
		vq->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (vq->kick_fd < 0) {
			ret = -errno;
			g_set_error(error, VIRTIO_ERROR, -ret, "eventfd for queue %u: %s", i,
			            g_strerror(-ret));
			virtio_deinit(v);
			return ret;
		}
	}

	pci_set16(d, 0x00, VIRTIO_PCI_VENDOR);
	pci_set16(d, 0x02, (uint16_t)(VIRTIO_PCI_DEVICE + ops->device_id));
	pci_set8(d, 0x08, 1); /* revision 1: modern only */
	pci_set16(d, 0x2C, VIRTIO_PCI_VENDOR);
	pci_set16(d, 0x2E, 0x40 + ops->device_id);
	ret = pci_bar_alloc(d, VIRTIO_BAR, PCI_BAR_MEM64, VIRTIO_BAR_SIZE);
	if (!ret)
		ret = pci_msix_init(d, nq + 1, VIRTIO_BAR, VIRTIO_MSIX_TABLE_OFF,
		                    VIRTIO_MSIX_PBA_OFF);
	if (ret) {
		g_set_error(error, VIRTIO_ERROR, -ret, "cannot set up BAR %d: %s", VIRTIO_BAR,
		            g_strerror(-ret));
		virtio_deinit(v);
		return ret;
	}
	add_cap(d, VIRTIO_CAP_COMMON, VIRTIO_COMMON_OFF, VIRTIO_COMMON_LEN, false);
	add_cap(d, VIRTIO_CAP_NOTIFY, VIRTIO_NOTIFY_OFF, nq * VIRTIO_NOTIFY_MULT, true);
	add_cap(d, VIRTIO_CAP_ISR, VIRTIO_ISR_OFF, 1, false);
	add_cap(d, VIRTIO_CAP_DEVICE, VIRTIO_DEVCFG_OFF, devcfg_len, false);
	return 0;
}

void virtio_deinit(struct virtio_dev *v)
{
	if (!v->vq)
		return;
	for (unsigned i = 0; i < v->nq; i++)
		if (v->vq[i].kick_fd >= 0)
			close(v->vq[i].kick_fd);
	g_free(v->vq);
	v->vq = NULL;
	g_free(v->devcfg);
	g_mutex_clear(&v->lock);
	g_mutex_clear(&v->isr_lock);
}

void virtio_bar_moved(struct virtio_dev *v, int bar, uint64_t old_addr, uint64_t new_addr)
{
	struct dm_vm *vm = v->pci->vm;

	if (bar != VIRTIO_BAR)
		return;
	for (unsigned i = 0; i < v->nq; i++) {
		uint64_t off = VIRTIO_NOTIFY_OFF + (uint64_t)i * VIRTIO_NOTIFY_MULT;
		int ret;

		if (old_addr)
			dm_io_del_eventfd(vm, false, old_addr + off, v->vq[i].kick_fd);
		if (!new_addr)
			continue;
		ret = dm_io_add_eventfd(vm, false, new_addr + off, 2, false, 0, v->vq[i].kick_fd);
		/* Not fatal: the write then reaches virtio_bar_access, which signals the same eventfd. */
		if (ret < 0)
			dm_warn("pci %02x.%x virtio queue %u: notifications not posted: %s",
			        v->pci->slot, v->pci->func, i, g_strerror(-ret));
	}
	v->notify_base = new_addr;
}

void virtio_reset(struct virtio_dev *v)
{
	if (v->ops->quiesce)
		v->ops->quiesce(v);
	g_mutex_lock(&v->lock);
	__atomic_store_n(&v->status, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&v->guest_features, 0, __ATOMIC_RELAXED);
	v->dfsel = v->gfsel = 0;
	v->queue_sel = 0;
	v->config_vector = VIRTIO_MSI_NO_VECTOR;
	for (unsigned i = 0; i < v->nq; i++) {
		struct virtq *vq = &v->vq[i];
		uint64_t drain;

		__atomic_store_n(&vq->enabled, false, __ATOMIC_RELEASE);
		__atomic_store_n(&vq->broken, false, __ATOMIC_RELEASE);
		vq->size = VIRTIO_QUEUE_MAX;
		vq->msix_vector = VIRTIO_MSI_NO_VECTOR;
		vq->desc_gpa = vq->avail_gpa = vq->used_gpa = 0;
		vq->desc = NULL;
		vq->avail = NULL;
		vq->used = NULL;
		vq->last_avail = vq->used_idx = vq->signalled_used = 0;
		vq->event_idx = false;
		/* Stale notifications from before the reset. */
		while (read(vq->kick_fd, &drain, sizeof(drain)) == sizeof(drain))
			;
	}
	__atomic_store_n(&v->broken_logged, false, __ATOMIC_RELEASE);
	g_mutex_unlock(&v->lock);
	isr_read_clear(v);
	if (v->ops->resume)
		v->ops->resume(v);
}

static void set_status(struct virtio_dev *v, uint8_t val)
{
	uint8_t old = status_get(v);

	if (val == 0) {
		g_mutex_unlock(&v->lock);
		virtio_reset(v);
		g_mutex_lock(&v->lock);
		return;
	}
	if ((val & VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK)) {
		uint64_t g = v->guest_features;

		/* Only features we offered, and VERSION_1: otherwise FEATURES_OK does not stick. */
		if ((g & ~v->host_features) || !(g & (1ULL << VIRTIO_F_VERSION_1)))
			val &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
		else
			for (unsigned i = 0; i < v->nq; i++)
				v->vq[i].event_idx = (g >> VIRTIO_F_EVENT_IDX) & 1;
	}
	if ((val & VIRTIO_STATUS_DRIVER_OK) && !(val & VIRTIO_STATUS_FEATURES_OK))
		val &= (uint8_t)~VIRTIO_STATUS_DRIVER_OK;
	/* NEEDS_RESET is the device's; the driver cannot clear it. */
	val = (uint8_t)((val & ~VIRTIO_STATUS_NEEDS_RESET) | (old & VIRTIO_STATUS_NEEDS_RESET));
	__atomic_store_n(&v->status, val, __ATOMIC_RELEASE);
	if ((val & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK) &&
	    v->ops->driver_ok) {
		g_mutex_unlock(&v->lock);
		v->ops->driver_ok(v);
		g_mutex_lock(&v->lock);
	}
}

static void queue_enable(struct virtio_dev *v, struct virtq *vq)
{
	if (__atomic_load_n(&vq->enabled, __ATOMIC_ACQUIRE))
		return;
	vq->event_idx = virtio_has_feature(v, VIRTIO_F_EVENT_IDX);
	if (vq_map(vq) < 0) {
		needs_reset(v, "queue %u: bad size or ring address", vq->idx);
		return;
	}
	__atomic_store_n(&vq->enabled, true, __ATOMIC_RELEASE);
}

static uint64_t common_read(struct virtio_dev *v, unsigned off)
{
	struct virtq *vq = v->queue_sel < v->nq ? &v->vq[v->queue_sel] : NULL;

	switch (off) {
	case CC_DFSELECT:
		return v->dfsel;
	case CC_DF:
		return v->dfsel < 2 ? (uint32_t)(v->host_features >> (32 * v->dfsel)) : 0;
	case CC_GFSELECT:
		return v->gfsel;
	case CC_GF:
		return v->gfsel < 2 ? (uint32_t)(v->guest_features >> (32 * v->gfsel)) : 0;
	case CC_MSIX:
		return v->config_vector;
	case CC_NUMQ:
		return v->nq;
	case CC_STATUS:
		return status_get(v);
	case CC_CFGGEN:
		return v->config_gen;
	case CC_Q_SELECT:
		return v->queue_sel;
	}
	if (!vq)
		return 0; /* no such queue: size 0 tells the driver */
	switch (off) {
	case CC_Q_SIZE:
		return vq->size;
	case CC_Q_MSIX:
		return vq->msix_vector;
	case CC_Q_ENABLE:
		return __atomic_load_n(&vq->enabled, __ATOMIC_ACQUIRE);
	case CC_Q_NOFF:
		return vq->idx;
	case CC_Q_DESCLO:
		return (uint32_t)vq->desc_gpa;
	case CC_Q_DESCHI:
		return vq->desc_gpa >> 32;
	case CC_Q_AVAILLO:
		return (uint32_t)vq->avail_gpa;
	case CC_Q_AVAILHI:
		return vq->avail_gpa >> 32;
	case CC_Q_USEDLO:
		return (uint32_t)vq->used_gpa;
	case CC_Q_USEDHI:
		return vq->used_gpa >> 32;
	}
	return 0;
}

static void set_lo(uint64_t *p, uint32_t v)
{
	*p = (*p & ~0xFFFFFFFFULL) | v;
}

static void set_hi(uint64_t *p, uint32_t v)
{
	*p = (*p & 0xFFFFFFFFULL) | (uint64_t)v << 32;
}

static void common_write(struct virtio_dev *v, unsigned off, uint64_t val)
{
	struct virtq *vq = v->queue_sel < v->nq ? &v->vq[v->queue_sel] : NULL;
	uint8_t st = status_get(v);
	unsigned nvec = v->nq + 1;

	switch (off) {
	case CC_DFSELECT:
		v->dfsel = (uint32_t)val;
		return;
	case CC_GFSELECT:
		v->gfsel = (uint32_t)val;
		return;
	case CC_GF:
		if (v->gfsel < 2 && !(st & VIRTIO_STATUS_FEATURES_OK)) {
			uint64_t g = v->guest_features, m = 0xFFFFFFFFULL << (32 * v->gfsel);

			g = (g & ~m) | ((val & 0xFFFFFFFFULL) << (32 * v->gfsel));
			__atomic_store_n(&v->guest_features, g, __ATOMIC_RELAXED);
		}
		return;
	case CC_MSIX:
		__atomic_store_n(&v->config_vector,
		                 val < nvec ? (uint16_t)val : VIRTIO_MSI_NO_VECTOR,
		                 __ATOMIC_RELAXED);
		return;
	case CC_STATUS:
		set_status(v, (uint8_t)val);
		return;
	case CC_Q_SELECT:
		v->queue_sel = (uint16_t)val;
		return;
	}
	if (!vq)
		return;
	if (off == CC_Q_MSIX) {
		__atomic_store_n(&vq->msix_vector,
		                 val < nvec ? (uint16_t)val : VIRTIO_MSI_NO_VECTOR,
		                 __ATOMIC_RELAXED);
		return;
	}
	/* The rest describes the rings: fixed once the queue is on. */
	if (__atomic_load_n(&vq->enabled, __ATOMIC_ACQUIRE))
		return;
	switch (off) {
	case CC_Q_SIZE:
		vq->size = (uint16_t)val;
		break;
	case CC_Q_ENABLE:
		if (val == 1)
			queue_enable(v, vq);
		break;
	case CC_Q_DESCLO:
		set_lo(&vq->desc_gpa, (uint32_t)val);
		break;
	case CC_Q_DESCHI:
		set_hi(&vq->desc_gpa, (uint32_t)val);
		break;
	case CC_Q_AVAILLO:
		set_lo(&vq->avail_gpa, (uint32_t)val);
		break;
	case CC_Q_AVAILHI:
		set_hi(&vq->avail_gpa, (uint32_t)val);
		break;
	case CC_Q_USEDLO:
		set_lo(&vq->used_gpa, (uint32_t)val);
		break;
	case CC_Q_USEDHI:
		set_hi(&vq->used_gpa, (uint32_t)val);
		break;
	}
}

/* The size of the common configuration field at @off (0: none starts there). */
static unsigned common_field_size(unsigned off)
{
	switch (off) {
	case CC_MSIX:
	case CC_NUMQ:
	case CC_Q_SELECT:
	case CC_Q_SIZE:
	case CC_Q_MSIX:
	case CC_Q_ENABLE:
	case CC_Q_NOFF:
		return 2;
	case CC_STATUS:
	case CC_CFGGEN:
		return 1;
	default:
		return off < VIRTIO_COMMON_LEN && !(off & 3) ? 4 : 0;
	}
}

static int common_access(struct virtio_dev *v, bool write, unsigned off, unsigned size,
                         uint64_t *val)
{
	unsigned fs = common_field_size(off);

	/* 64-bit ring addresses may come as one 8-byte access. */
	if (size == 8 && off >= CC_Q_DESCLO && off <= CC_Q_USEDLO && !(off & 7)) {
		uint64_t lo = *val & 0xFFFFFFFFULL, hi = *val >> 32;
		int ret = common_access(v, write, off, 4, &lo);

		if (!ret)
			ret = common_access(v, write, off + 4, 4, &hi);
		if (!write)
			*val = lo | hi << 32;
		return ret;
	}
	if (!fs || fs != size) {
		if (!write)
			*val = 0;
		return 0; /* not a field of that width: ignored, reads 0 */
	}
	g_mutex_lock(&v->lock);
	if (write)
		common_write(v, off, *val);
	else
		*val = common_read(v, off);
	g_mutex_unlock(&v->lock);
	return 0;
}

int virtio_bar_access(struct virtio_dev *v, int bar, bool wr, uint64_t offset, unsigned size,
                      uint64_t *val)
{
	if (bar != VIRTIO_BAR)
		return -EINVAL;
	if (offset < VIRTIO_COMMON_OFF + VIRTIO_COMMON_LEN)
		return common_access(v, wr, (unsigned)offset, size, val);
	if (offset == VIRTIO_ISR_OFF) {
		if (!wr)
			*val = isr_read_clear(v);
		return 0;
	}
	if (offset >= VIRTIO_DEVCFG_OFF && offset < VIRTIO_DEVCFG_OFF + VIRTIO_DEVCFG_MAX) {
		unsigned o = (unsigned)(offset - VIRTIO_DEVCFG_OFF);

		if (wr)
			return 0; /* nothing writable in the configurations we offer */
		*val = 0;
		g_mutex_lock(&v->lock);
		for (unsigned i = 0; i < size && o + i < v->devcfg_len; i++)
			*val |= (uint64_t)v->devcfg[o + i] << (8 * i);
		g_mutex_unlock(&v->lock);
		return 0;
	}
	if (offset >= VIRTIO_NOTIFY_OFF &&
	    offset < VIRTIO_NOTIFY_OFF + (uint64_t)v->nq * VIRTIO_NOTIFY_MULT) {
		/* Only when the notification was not posted (no eventfd at this address). */
		unsigned q = (unsigned)(offset - VIRTIO_NOTIFY_OFF) / VIRTIO_NOTIFY_MULT;
		uint64_t one = 1;

		if (wr && write(v->vq[q].kick_fd, &one, sizeof(one)) < 0)
			return -errno;
		if (!wr)
			*val = 0;
		return 0;
	}
	if (!wr)
		*val = 0;
	return 0;
}
