/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A virtio 1.x driver for tests and the benchmark: it sees the device only
 * as a guest does (config space, BAR accesses through the fake vCPU, guest
 * RAM) and follows the spec's initialisation sequence.
 */
#ifndef VDRIVER_H
#define VDRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include <dm/vm.h>

#define VD_MAX_QUEUES 16

struct vd_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vd_queue {
	struct vdrv *drv;
	unsigned idx;
	uint16_t size;
	uint64_t desc_gpa, avail_gpa, used_gpa, notify_addr;
	struct vd_desc *desc;
	uint16_t *avail; /* flags, idx, ring[size], used_event */
	uint8_t *used;   /* flags, idx, ring[size] of {id, len}, avail_event */
	uint16_t avail_idx, last_used, free_head, nfree;
	/* Publish the avail index only at vd_kick, so a running device sees the batch at once. */
	bool hold_avail;
	int irq_fd; /* signalled when the queue's MSI-X vector (or any interrupt) arrives */
	/* Per-request memory: slot k at mem_gpa + k * VD_SLOT. */
	uint64_t mem_gpa;
	uint8_t *mem;
};

#define VD_SLOT     (64 * 1024 + 64)
#define VD_SLOT_HDR 0
#define VD_SLOT_ST  16
#define VD_SLOT_BUF 64

struct vdrv {
	struct dm_vm *vm;
	unsigned slot;
	uint64_t bar;
	uint32_t common, notify, isr, device, notify_mult;
	uint64_t features;
	unsigned nq;
	bool msix;
	struct vd_queue q[VD_MAX_QUEUES];
	int config_fd;
	bool live;      /* between vd_init and vd_fini */
	uint64_t alloc; /* guest RAM bump allocator */
};

/* Config space of the device at @slot. */
uint32_t vd_cfg_read(struct vdrv *d, unsigned reg, unsigned size);
void vd_cfg_write(struct vdrv *d, unsigned reg, unsigned size, uint32_t val);
/* BAR 0 register accesses through the fake vCPU. */
uint64_t vd_read(struct vdrv *d, uint32_t off, unsigned size);
void vd_write(struct vdrv *d, uint32_t off, unsigned size, uint64_t val);

/*
 * The whole initialisation sequence: reset, ACKNOWLEDGE, DRIVER, features
 * (@want is ANDed with the device's), FEATURES_OK (checked), MSI-X (when
 * @msix), @nq queues of @qsize entries, DRIVER_OK. Returns 0 or why not.
 */
int vd_init(struct vdrv *d, struct dm_vm *vm, unsigned slot, uint64_t want, unsigned nq,
            uint16_t qsize, bool msix);
void vd_fini(struct vdrv *d);
uint8_t vd_status(struct vdrv *d);

/* Add a chain of @n buffers (WRITE flag per buffer) and make it available; returns its head. */
int vd_add_chain(struct vd_queue *q, const uint64_t *gpa, const uint32_t *len, const bool *wr,
                 unsigned n);
void vd_kick(struct vd_queue *q);
/* Wait until a used entry arrives (up to @timeout_ms): 1 with id and len, 0 on timeout. */
int vd_get_used(struct vd_queue *q, uint16_t *id, uint32_t *len, int timeout_ms);
/* Used entries returned so far by the device. */
uint16_t vd_used_idx(struct vd_queue *q);
/* Free a chain's descriptors (after its used entry arrived). */
void vd_free_chain(struct vd_queue *q, uint16_t head);

/* virtio-blk requests in request slot @k of @q: header, data, status. */
struct vd_blk_req {
	uint32_t type;
	uint64_t sector;
	uint32_t len; /* data bytes (IN, OUT, GET_ID), 16 for a DISCARD/WRITE_ZEROES segment */
	unsigned slot;
	uint16_t head;
};
uint8_t *vd_slot_buf(struct vd_queue *q, unsigned k);
int vd_blk_post(struct vd_queue *q, struct vd_blk_req *r);
uint8_t vd_blk_status(struct vd_queue *q, unsigned k);

#endif
