/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The board bridge (api/bridge.md): how the host plays the Service VM of an
 * emulated board.
 *
 * 1. Shared memory. The bridge Service VM's RAM is one host-contiguous block
 *    of board RAM, at Service-VM GPA 0; the board RAM is a file the host maps
 *    (board HPA == file offset). Its first page is struct acrn_bridge_header:
 *    hypercall slots, each with its own argument page, and the upcall counter.
 * 2. Doorbells on the board's COM2 (a QEMU unix socket on the host):
 *    host -> hv: ACRN_BRIDGE_RING (slots were posted), ACRN_BRIDGE_ASK_HELLO;
 *    hv -> host: ACRN_BRIDGE_RING (slots done or an upcall) and the hello line
 *    "@ACRN-BRIDGE <version> <header hpa> <ram size> <boot id>\n" (hex).
 * 3. The multiplexer's client protocol (acrn-bridged <-> acrn-dm): HSM ioctl
 *    numbers and structures over a unix stream socket.
 */
#ifndef ACRN_BRIDGE_H
#define ACRN_BRIDGE_H

#include <stdint.h>

/* ---- shared memory ---- */

#define ACRN_BRIDGE_MAGIC     0x4547444952424E41ULL /* "ANBRIDGE" */
#define ACRN_BRIDGE_VERSION   1U
#define ACRN_BRIDGE_NR_SLOTS  16U
#define ACRN_BRIDGE_PAGE_SIZE 4096U
/* Service-VM GPA of slot i's argument page. */
#define ACRN_BRIDGE_ARG_GPA(i) ((uint64_t)(1U + (i)) * ACRN_BRIDGE_PAGE_SIZE)
/*
 * The first 2 MiB of Service-VM RAM hold the header and argument pages; the
 * host hands out its remaining pages (ioreq pages, sbufs) one at a time and
 * the rest of the RAM in 2 MiB granules.
 */
#define ACRN_BRIDGE_GRANULE       0x200000ULL
#define ACRN_BRIDGE_FIRST_FREE_PG (1U + ACRN_BRIDGE_NR_SLOTS)

/* Slot states: the host owns FREE and POSTED, the hypervisor RUNNING and DONE. */
#define ACRN_BRIDGE_SLOT_FREE    0U
#define ACRN_BRIDGE_SLOT_POSTED  1U
#define ACRN_BRIDGE_SLOT_RUNNING 2U
#define ACRN_BRIDGE_SLOT_DONE    3U

struct acrn_bridge_slot {
	uint32_t state; /* written last, release; read first, acquire */
	uint32_t reserved;
	uint64_t id; /* HC_* */
	uint64_t p1;
	uint64_t p2;
	int64_t ret;  /* 0 or a negative errno, valid in DONE */
	uint64_t seq; /* the host's tag, echoed for debugging */
	uint64_t pad[2];
};

_Static_assert(sizeof(struct acrn_bridge_slot) == 64, "acrn_bridge_slot size");
_Static_assert(__builtin_offsetof(struct acrn_bridge_slot, id) == 8, "id");
_Static_assert(__builtin_offsetof(struct acrn_bridge_slot, ret) == 32, "ret");

struct acrn_bridge_header {
	uint64_t magic;
	uint32_t version;
	uint32_t nr_slots;
	uint64_t ram_hpa;  /* board HPA (= RAM file offset) of Service-VM GPA 0 */
	uint64_t ram_size; /* bytes of Service-VM RAM */
	uint64_t boot_id;  /* changes at every hypervisor boot */
	uint64_t upcalls;  /* incremented before each upcall doorbell */
	uint64_t reserved[10];
	struct acrn_bridge_slot slots[ACRN_BRIDGE_NR_SLOTS];
};

_Static_assert(sizeof(struct acrn_bridge_header) == 128 + 64 * ACRN_BRIDGE_NR_SLOTS,
               "acrn_bridge_header size");
_Static_assert(sizeof(struct acrn_bridge_header) <= ACRN_BRIDGE_PAGE_SIZE, "header page");
_Static_assert(__builtin_offsetof(struct acrn_bridge_header, ram_hpa) == 16, "ram_hpa");
_Static_assert(__builtin_offsetof(struct acrn_bridge_header, upcalls) == 40, "upcalls");
_Static_assert(__builtin_offsetof(struct acrn_bridge_header, slots) == 128, "slots");

/* COM2 bytes. Anything else from the host also counts as RING. */
#define ACRN_BRIDGE_RING      '!'
#define ACRN_BRIDGE_ASK_HELLO '?'
#define ACRN_BRIDGE_HELLO     "@ACRN-BRIDGE"

/* ---- client protocol (unix stream socket, native byte order) ---- */

/*
 * Every message, both ways: this header, then `len` payload bytes. A
 * request's op is an HSM ioctl nr (ACRN_HSM_*, api/include/acrn/hsm.h) with
 * that ioctl's structure as payload, or one of the ACRN_BRIDGE_OP_* below.
 * The reply echoes op and seq, carries result (0 or a negative errno) and,
 * for ops that return data, the payload; file descriptors travel as
 * SCM_RIGHTS with the header's first byte.
 */
struct acrn_bridge_msg {
	uint16_t op;
	uint16_t flags; /* 0 */
	uint32_t len;
	int32_t result;
	uint32_t seq;
};

_Static_assert(sizeof(struct acrn_bridge_msg) == 16, "acrn_bridge_msg size");

#define ACRN_BRIDGE_MSG_MAX 4096U /* payload bytes */

/* Ops of the bridge itself (above the 8-bit ioctl nr space). */
#define ACRN_BRIDGE_OP_HELLO       0x100U /* in: u32 version; out: acrn_bridge_hello */
#define ACRN_BRIDGE_OP_API_VERSION 0x101U /* out: hc_api_version (HC_GET_API_VERSION) */
#define ACRN_BRIDGE_OP_ALLOC_RAM   0x102U /* in: u64 size; out: acrn_bridge_ram + RAM fd */
#define ACRN_BRIDGE_OP_NOP         0x103U /* a round trip to the multiplexer only */

struct acrn_bridge_hello {
	uint32_t version;
	uint32_t board_up; /* 1 once the hypervisor said hello */
	uint64_t ram_size; /* Service-VM RAM */
	uint64_t ram_free; /* bytes still free for guest RAM */
};

_Static_assert(sizeof(struct acrn_bridge_hello) == 24, "acrn_bridge_hello size");

/* ALLOC_RAM reply; mmap(fd, size, offset = mmap_offset) maps it. */
struct acrn_bridge_ram {
	uint64_t service_vm_pa; /* for SET_MEMSEG */
	uint64_t mmap_offset;
	uint64_t size;
};

_Static_assert(sizeof(struct acrn_bridge_ram) == 24, "acrn_bridge_ram size");

/*
 * CREATE_VM: the request is acrn_vm_creation (ioreq_buf ignored) with the
 * ioreq notification eventfd attached; the reply is this, with the RAM fd:
 * the multiplexer allocated the ioreq page and issued SET_IOREQ_BUFFER.
 */
struct acrn_bridge_created {
	uint8_t creation[48]; /* struct acrn_vm_creation, vmid and vcpu_num filled */
	uint64_t ioreq_mmap_offset;
	uint64_t ioreq_service_vm_pa;
};

_Static_assert(sizeof(struct acrn_bridge_created) == 64, "acrn_bridge_created size");

/* Default socket: $ACRN_BRIDGE, else $XDG_RUNTIME_DIR/acrn/bridge.sock, root /run/acrn/bridge.sock. */
#define ACRN_BRIDGE_ENV         "ACRN_BRIDGE"
#define ACRN_BRIDGE_SOCK_NAME   "acrn/bridge.sock"
#define ACRN_BRIDGE_ROOT_SOCKET "/run/acrn/bridge.sock"

#endif
