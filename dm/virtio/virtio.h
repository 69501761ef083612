/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The virtio 1.x modern PCI transport and split virtqueues, private to
 * dm/virtio/. A device (virtio-blk) describes itself with virtio_dev_ops and
 * serves its queues from its own threads; the transport owns the common
 * configuration, feature negotiation, status, interrupts and the queues'
 * guest-visible state, and hands each queue's notifications to an eventfd.
 */
#ifndef DM_VIRTIO_H
#define DM_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <dm/pci.h>
#include <glib.h>

/* Device status bits. */
#define VIRTIO_STATUS_ACK         0x01
#define VIRTIO_STATUS_DRIVER      0x02
#define VIRTIO_STATUS_DRIVER_OK   0x04
#define VIRTIO_STATUS_FEATURES_OK 0x08
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED      0x80

/* Transport feature bits. */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX     29
#define VIRTIO_F_VERSION_1     32

#define VIRTIO_MSI_NO_VECTOR   0xFFFF
#define VIRTIO_QUEUE_MAX       256 /* entries per queue */

/* Split-ring layout (little-endian in guest memory). */
#define VRING_DESC_F_NEXT      1
#define VRING_DESC_F_WRITE     2
#define VRING_DESC_F_INDIRECT  4
#define VRING_AVAIL_F_NO_INTR  1
#define VRING_USED_F_NO_NOTIFY 1

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* then used_event */
};

struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vring_used_elem ring[]; /* then avail_event */
};

/* BAR 0 (64-bit memory) of every virtio device: where each structure sits. */
#define VIRTIO_BAR            0
#define VIRTIO_BAR_SIZE       0x8000
#define VIRTIO_COMMON_OFF     0x0000
#define VIRTIO_COMMON_LEN     0x38
#define VIRTIO_ISR_OFF        0x1000
#define VIRTIO_DEVCFG_OFF     0x2000
#define VIRTIO_DEVCFG_MAX     0x1000
#define VIRTIO_NOTIFY_OFF     0x3000
#define VIRTIO_NOTIFY_MULT    4 /* one 4-byte notify address per queue */
#define VIRTIO_MAX_QUEUES     (0x1000 / VIRTIO_NOTIFY_MULT)
#define VIRTIO_MSIX_TABLE_OFF 0x4000
#define VIRTIO_MSIX_PBA_OFF   0x6000

struct virtio_dev;

struct virtq {
	struct virtio_dev *dev;
	unsigned idx;
	int kick_fd; /* the guest's notifications, posted */

	/* Guest-visible registers; written on the ioreq thread while the queue is off. */
	uint16_t size, msix_vector;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	bool enabled; /* atomic: set last, with release, once the rings are mapped */

	/* The serving thread's (and its alone while enabled). */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t last_avail, used_idx, signalled_used;
	bool event_idx;
	bool broken; /* atomic: the guest broke the ring rules; serve nothing until reset */
};

struct virtio_dev_ops {
	uint16_t device_id; /* 2: block */
	/*
	 * Stop serving the queues and wait until no request is in flight, so the
	 * transport may change queue state (reset); resume() lets them go again.
	 */
	void (*quiesce)(struct virtio_dev *v);
	void (*resume)(struct virtio_dev *v);
	/* DRIVER_OK: the queues are set up; look at them. */
	void (*driver_ok)(struct virtio_dev *v);
};

struct virtio_dev {
	struct pci_dev *pci;
	const struct virtio_dev_ops *ops;
	void *priv;
	unsigned nq;
	struct virtq *vq;

	GMutex lock; /* common and device configuration */
	uint64_t host_features, guest_features;
	uint32_t dfsel, gfsel;
	uint16_t queue_sel, config_vector;
	uint8_t status; /* atomic */
	uint8_t config_gen;
	uint8_t *devcfg;
	unsigned devcfg_len;
	uint64_t notify_base; /* where BAR 0 decodes (eventfds registered), 0: nowhere */

	GMutex isr_lock; /* ISR bits and the INTx line change together */
	uint8_t isr;
	bool broken_logged;
};

/*
 * Set up the PCI function @d as virtio device: ids, BAR 0 with the four
 * capabilities, MSI-X with nq + 1 vectors, @nq queues of at most
 * VIRTIO_QUEUE_MAX entries, @devcfg_len bytes of device configuration.
 */
int virtio_init(struct virtio_dev *v, struct pci_dev *d, const struct virtio_dev_ops *ops,
                unsigned nq, uint64_t features, unsigned devcfg_len, GError **error);
void virtio_deinit(struct virtio_dev *v);
/* Guest-initiated or VM reset: quiesce, then back to power-on state. */
void virtio_reset(struct virtio_dev *v);
/* pci_dev_ops hooks a virtio device forwards to. */
int virtio_bar_access(struct virtio_dev *v, int bar, bool write, uint64_t offset, unsigned size,
                      uint64_t *val);
void virtio_bar_moved(struct virtio_dev *v, int bar, uint64_t old_addr, uint64_t new_addr);

bool virtio_has_feature(const struct virtio_dev *v, unsigned bit);
/* Device configuration bytes; set ones bump the generation when @notify_change. */
void virtio_devcfg_set(struct virtio_dev *v, unsigned off, const void *buf, unsigned len,
                       bool notify_change);
/* Config-change interrupt. */
void virtio_config_interrupt(struct virtio_dev *v);
/* The guest broke the rules: NEEDS_RESET, config interrupt, the queue stops. */
void virtio_vq_broken(struct virtq *vq, const char *why);
/* Interrupt the driver for @vq now (MSI-X vector or INTx with the ISR bit). */
void virtio_vq_interrupt(struct virtq *vq);
/* Ready to serve: DRIVER_OK, enabled, not broken. */
bool virtio_vq_ready(const struct virtq *vq);

/* virtqueue.c: the serving thread's side of one queue. */

/*
 * Take the next available chain: device-readable buffers first in @iov,
 * then device-writable ones. Returns 1 with a chain, 0 when none is
 * available, or a negative errno when the guest broke the ring rules
 * (loops, addresses outside RAM, bad indirect tables...): the caller marks
 * the queue broken.
 */
int vq_pop(struct virtq *vq, struct iovec *iov, unsigned max_iov, unsigned *out_num,
           unsigned *in_num, uint16_t *head);
/* Return chain @head with @len bytes written into it. */
void vq_push(struct virtq *vq, uint16_t head, uint32_t len);
/* Notification suppression while serving; enable returns true if more arrived meanwhile. */
void vq_disable_notify(struct virtq *vq);
bool vq_enable_notify(struct virtq *vq);
/* After pushes: interrupt the driver if it wants one (EVENT_IDX or the NO_INTERRUPT flag). */
void vq_notify_guest(struct virtq *vq);
/* Map the rings at enable: 0 or -EINVAL (sizes, alignment, outside RAM). */
int vq_map(struct virtq *vq);

#endif
