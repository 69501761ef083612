/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared buffers (sbuf) of the ACRN v3.3 ABI: rings the hypervisor and the
 * Service VM share, set up with HC_SETUP_SBUF. Asyncio (posted virtio
 * notifications) and VM events travel in them.
 */
#ifndef ACRN_SBUF_H
#define ACRN_SBUF_H

#include <stdint.h>

/* sbuf_id values: the first four are one ring per pCPU, the others per VM. */
#define ACRN_TRACE                0U
#define ACRN_HVLOG                1U
#define ACRN_SEP                  2U
#define ACRN_SOCWATCH             3U
#define ACRN_SBUF_PER_PCPU_ID_MAX 4U
#define ACRN_ASYNCIO              64U
#define ACRN_VM_EVENT             65U

/* HC_SETUP_SBUF argument, by Service VM GPA in parameter 2 (target VM id in parameter 1). */
struct acrn_sbuf_param {
	uint16_t cpu_id;
	uint16_t reserved;
	uint32_t sbuf_id;
	uint64_t gpa; /* the ring: header then elements */
} __attribute__((aligned(8)));

_Static_assert(sizeof(struct acrn_sbuf_param) == 16, "acrn_sbuf_param size");
_Static_assert(__builtin_offsetof(struct acrn_sbuf_param, cpu_id) == 0, "cpu_id");
_Static_assert(__builtin_offsetof(struct acrn_sbuf_param, reserved) == 2, "reserved");
_Static_assert(__builtin_offsetof(struct acrn_sbuf_param, sbuf_id) == 4, "sbuf_id");
_Static_assert(__builtin_offsetof(struct acrn_sbuf_param, gpa) == 8, "gpa");

#define ACRN_SBUF_MAGIC     0x5aa57aa71aa13aa3ULL
#define ACRN_SBUF_MAX_SIZE  (1ULL << 22)
#define ACRN_SBUF_HEAD_SIZE 64U

/* Ring flags. */
#define ACRN_SBUF_OVERRUN_CNT_EN (1U << 0) /* count elements dropped when full */
#define ACRN_SBUF_OVERWRITE_EN   (1U << 1) /* a full ring overwrites its oldest element */

/* The 64-byte ring header; elements follow it. head and tail are byte offsets. */
struct shared_buf {
	uint64_t magic;
	uint32_t ele_num;
	uint32_t ele_size;
	uint32_t head; /* next to read */
	uint32_t tail; /* next to write */
	uint32_t flags;
	uint32_t reserved;
	uint32_t overrun_cnt;
	uint32_t size; /* ele_num * ele_size */
	uint32_t padding[6];
};

_Static_assert(sizeof(struct shared_buf) == ACRN_SBUF_HEAD_SIZE, "shared_buf size");
_Static_assert(__builtin_offsetof(struct shared_buf, magic) == 0, "magic");
_Static_assert(__builtin_offsetof(struct shared_buf, ele_num) == 8, "ele_num");
_Static_assert(__builtin_offsetof(struct shared_buf, ele_size) == 12, "ele_size");
_Static_assert(__builtin_offsetof(struct shared_buf, head) == 16, "head");
_Static_assert(__builtin_offsetof(struct shared_buf, tail) == 20, "tail");
_Static_assert(__builtin_offsetof(struct shared_buf, flags) == 24, "flags");
_Static_assert(__builtin_offsetof(struct shared_buf, reserved) == 28, "reserved");
_Static_assert(__builtin_offsetof(struct shared_buf, overrun_cnt) == 32, "overrun_cnt");
_Static_assert(__builtin_offsetof(struct shared_buf, size) == 36, "size");
_Static_assert(__builtin_offsetof(struct shared_buf, padding) == 40, "padding");

/*
 * An element of the ACRN_VM_EVENT ring (32 bytes). The hypervisor produces
 * TRIPLE_FAULT; the device model adds its own (RTC change, power off).
 */
#define ACRN_VM_EVENT_RTC_CHG      0U /* data: s64 last_time, s64 delta_time */
#define ACRN_VM_EVENT_POWEROFF     1U
#define ACRN_VM_EVENT_TRIPLE_FAULT 2U

struct vm_event {
	uint32_t type;
	uint8_t event_data[28];
};

_Static_assert(sizeof(struct vm_event) == 32, "vm_event size");
_Static_assert(__builtin_offsetof(struct vm_event, event_data) == 4, "vm_event data");

#endif
