/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ioreq page of the ACRN v3.3 ABI: one 4 KiB page per post-launched
 * VM, registered with HC_SET_IOREQ_BUFFER, one 256-byte slot per vCPU. The
 * hypervisor fills a slot with an access it cannot emulate and marks it
 * PENDING; the Service VM takes it (PROCESSING), completes it (COMPLETE)
 * and calls HC_NOTIFY_REQUEST_FINISH; the hypervisor finishes the access and
 * frees the slot (FREE). Each side writes `processed` last, with release
 * semantics, and reads it with acquire semantics.
 */
#ifndef ACRN_IOREQ_H
#define ACRN_IOREQ_H

#include <stdint.h>

#define ACRN_IO_REQUEST_MAX 16U /* slots per page, so at most 16 vCPUs per VM */
#define ACRN_ASYNCIO_MAX    64U /* HC_ASYNCIO_ASSIGN registrations per VM */

/* Slot states (`processed`): the hypervisor writes FREE and PENDING, the Service VM PROCESSING and COMPLETE. */
#define ACRN_IOREQ_STATE_PENDING    0U
#define ACRN_IOREQ_STATE_COMPLETE   1U
#define ACRN_IOREQ_STATE_PROCESSING 2U
#define ACRN_IOREQ_STATE_FREE       3U

/* Request types (`type`). */
#define ACRN_IOREQ_TYPE_PORTIO 0U
#define ACRN_IOREQ_TYPE_MMIO   1U
#define ACRN_IOREQ_TYPE_PCICFG 2U
#define ACRN_IOREQ_TYPE_WP     3U /* a write to a write-protected page; hypervisor-internal */

/* Direction of the access. */
#define ACRN_IOREQ_DIR_READ  0U
#define ACRN_IOREQ_DIR_WRITE 1U

struct acrn_mmio_request {
	uint32_t direction;
	uint32_t reserved;
	uint64_t address;
	uint64_t size;
	uint64_t value;
};

_Static_assert(sizeof(struct acrn_mmio_request) == 32, "acrn_mmio_request size");
_Static_assert(__builtin_offsetof(struct acrn_mmio_request, direction) == 0, "direction");
_Static_assert(__builtin_offsetof(struct acrn_mmio_request, reserved) == 4, "reserved");
_Static_assert(__builtin_offsetof(struct acrn_mmio_request, address) == 8, "address");
_Static_assert(__builtin_offsetof(struct acrn_mmio_request, size) == 16, "size");
_Static_assert(__builtin_offsetof(struct acrn_mmio_request, value) == 24, "value");

struct acrn_pio_request {
	uint32_t direction;
	uint32_t reserved;
	uint64_t address;
	uint64_t size;
	uint32_t value;
};

_Static_assert(sizeof(struct acrn_pio_request) == 32, "acrn_pio_request size");
_Static_assert(__builtin_offsetof(struct acrn_pio_request, direction) == 0, "direction");
_Static_assert(__builtin_offsetof(struct acrn_pio_request, reserved) == 4, "reserved");
_Static_assert(__builtin_offsetof(struct acrn_pio_request, address) == 8, "address");
_Static_assert(__builtin_offsetof(struct acrn_pio_request, size) == 16, "size");
_Static_assert(__builtin_offsetof(struct acrn_pio_request, value) == 24, "value");

/* Starts like acrn_pio_request so a 0xCF8/0xCFC access can be rewritten in place. */
struct acrn_pci_request {
	uint32_t direction;
	uint32_t reserved[3];
	int64_t size;
	int32_t value;
	int32_t bus;
	int32_t dev;
	int32_t func;
	int32_t reg;
};

_Static_assert(sizeof(struct acrn_pci_request) == 48, "acrn_pci_request size");
_Static_assert(__builtin_offsetof(struct acrn_pci_request, direction) == 0, "direction");
_Static_assert(__builtin_offsetof(struct acrn_pci_request, reserved) == 4, "reserved");
_Static_assert(__builtin_offsetof(struct acrn_pci_request, size) == 16, "size");
_Static_assert(__builtin_offsetof(struct acrn_pci_request, value) == 24, "value");
_Static_assert(__builtin_offsetof(struct acrn_pci_request, bus) == 28, "bus");
_Static_assert(__builtin_offsetof(struct acrn_pci_request, dev) == 32, "dev");
_Static_assert(__builtin_offsetof(struct acrn_pci_request, func) == 36, "func");
_Static_assert(__builtin_offsetof(struct acrn_pci_request, reg) == 40, "reg");

/* One slot. */
struct acrn_io_request {
	uint32_t type;
	uint32_t completion_polling; /* 1: the hypervisor polls, no NOTIFY_REQUEST_FINISH */
	uint32_t reserved0[14];
	union {
		struct acrn_pio_request pio_request;
		struct acrn_pci_request pci_request;
		struct acrn_mmio_request mmio_request;
		uint64_t data[8];
	} reqs;
	uint32_t reserved1;
	int32_t kernel_handled; /* the HSM handled it in the kernel: not for acrn-dm */
	uint32_t processed;     /* ACRN_IOREQ_STATE_* */
} __attribute__((aligned(256)));

_Static_assert(sizeof(struct acrn_io_request) == 256, "acrn_io_request size");
_Static_assert(__builtin_offsetof(struct acrn_io_request, type) == 0, "type");
_Static_assert(__builtin_offsetof(struct acrn_io_request, completion_polling) == 4,
               "completion_polling");
_Static_assert(__builtin_offsetof(struct acrn_io_request, reserved0) == 8, "reserved0");
_Static_assert(__builtin_offsetof(struct acrn_io_request, reqs) == 64, "reqs");
_Static_assert(__builtin_offsetof(struct acrn_io_request, reserved1) == 128, "reserved1");
_Static_assert(__builtin_offsetof(struct acrn_io_request, kernel_handled) == 132, "kernel_handled");
_Static_assert(__builtin_offsetof(struct acrn_io_request, processed) == 136, "processed");

/* The whole page. */
struct acrn_io_request_buffer {
	union {
		struct acrn_io_request req_slot[ACRN_IO_REQUEST_MAX];
		int8_t reserved[4096];
	};
};

_Static_assert(sizeof(struct acrn_io_request_buffer) == 4096, "acrn_io_request_buffer size");
_Static_assert(__builtin_offsetof(struct acrn_io_request_buffer, req_slot) == 0, "req_slot");

/* Posted notifications (asyncio) registered with HC_ASYNCIO_(DE)ASSIGN. */
#define ACRN_ASYNCIO_PIO  0x01U
#define ACRN_ASYNCIO_MMIO 0x02U

/* HC_ASYNCIO_ASSIGN/DEASSIGN argument, by Service VM GPA in parameter 2. */
struct acrn_asyncio_info {
	uint32_t type;       /* ACRN_ASYNCIO_PIO or ACRN_ASYNCIO_MMIO */
	uint32_t match_data; /* non-zero: only writes of `data` match */
	uint64_t addr;
	uint64_t fd; /* opaque token the hypervisor pushes into the asyncio sbuf */
	uint64_t data;
};

_Static_assert(sizeof(struct acrn_asyncio_info) == 32, "acrn_asyncio_info size");
_Static_assert(__builtin_offsetof(struct acrn_asyncio_info, type) == 0, "type");
_Static_assert(__builtin_offsetof(struct acrn_asyncio_info, match_data) == 4, "match_data");
_Static_assert(__builtin_offsetof(struct acrn_asyncio_info, addr) == 8, "addr");
_Static_assert(__builtin_offsetof(struct acrn_asyncio_info, fd) == 16, "fd");
_Static_assert(__builtin_offsetof(struct acrn_asyncio_info, data) == 24, "data");

#endif
