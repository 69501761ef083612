/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest memory in the ACRN v3.3 ABI: HC_VM_SET_MEMORY_REGIONS (map Service
 * VM memory into a post-launched VM, in batches), HC_VM_WRITE_PROTECT_PAGE,
 * HC_VM_GPA2HPA, and the memory types and access rights they take.
 */
#ifndef ACRN_MEMORY_H
#define ACRN_MEMORY_H

#include <stdint.h>

/*
 * `prot` of a region: access rights | memory type. ACRN's hypervisor spells
 * these MEM_ACCESS_* / MEM_TYPE_*; mainline <linux/acrn.h> adds the ACRN_
 * prefix, as we do.
 */
#define ACRN_MEM_ACCESS_READ       0x00000001U
#define ACRN_MEM_ACCESS_WRITE      0x00000002U
#define ACRN_MEM_ACCESS_EXEC       0x00000004U
#define ACRN_MEM_ACCESS_RWX        0x00000007U
#define ACRN_MEM_ACCESS_RIGHT_MASK 0x00000007U
#define ACRN_MEM_TYPE_WB           0x00000040U
#define ACRN_MEM_TYPE_WT           0x00000080U
#define ACRN_MEM_TYPE_UC           0x00000100U
#define ACRN_MEM_TYPE_WC           0x00000200U
#define ACRN_MEM_TYPE_WP           0x00000400U
#define ACRN_MEM_TYPE_MASK         0x000007C0U

/* Region operations (`type`); 1 is not used. */
#define MR_ADD    0U
#define MR_DEL    2U
#define MR_MODIFY 3U

/* One mapping: [gpa, gpa+size) of the target VM to service_vm_gpa of the Service VM. */
struct vm_memory_region {
	uint32_t type; /* MR_* */
	uint32_t prot; /* ACRN_MEM_ACCESS_* | ACRN_MEM_TYPE_* */
	uint64_t gpa;
	uint64_t service_vm_gpa;
	uint64_t size;
} __attribute__((aligned(8)));

_Static_assert(sizeof(struct vm_memory_region) == 32, "vm_memory_region size");
_Static_assert(__builtin_offsetof(struct vm_memory_region, type) == 0, "type");
_Static_assert(__builtin_offsetof(struct vm_memory_region, prot) == 4, "prot");
_Static_assert(__builtin_offsetof(struct vm_memory_region, gpa) == 8, "gpa");
_Static_assert(__builtin_offsetof(struct vm_memory_region, service_vm_gpa) == 16, "service_vm_gpa");
_Static_assert(__builtin_offsetof(struct vm_memory_region, size) == 24, "size");

/*
 * HC_VM_SET_MEMORY_REGIONS argument, by Service VM GPA in parameter 1 (the
 * target VM id is inside). regions_gpa points to mr_num vm_memory_region
 * entries, at most one page of them.
 */
struct set_regions {
	uint16_t vmid; /* relative to the Service VM */
	uint16_t reserved0;
	uint32_t reserved1;
	uint32_t mr_num;
	uint64_t regions_gpa;
} __attribute__((aligned(8)));

#define ACRN_MEMORY_REGIONS_MAX (4096U / sizeof(struct vm_memory_region))

_Static_assert(sizeof(struct set_regions) == 24, "set_regions size");
_Static_assert(__builtin_offsetof(struct set_regions, vmid) == 0, "vmid");
_Static_assert(__builtin_offsetof(struct set_regions, reserved0) == 2, "reserved0");
_Static_assert(__builtin_offsetof(struct set_regions, reserved1) == 4, "reserved1");
_Static_assert(__builtin_offsetof(struct set_regions, mr_num) == 8, "mr_num");
_Static_assert(__builtin_offsetof(struct set_regions, regions_gpa) == 16, "regions_gpa");

/*
 * HC_VM_WRITE_PROTECT_PAGE argument, by Service VM GPA in parameter 2.
 * ACRN declares `set` plus a 56-bit bit-field; bytes 1-7 are that padding.
 */
struct wp_data {
	uint8_t set; /* 1: write-protect the page, 0: clear it */
	uint8_t pad[7];
	uint64_t gpa;
} __attribute__((aligned(8)));

_Static_assert(sizeof(struct wp_data) == 16, "wp_data size");
_Static_assert(__builtin_offsetof(struct wp_data, set) == 0, "set");
_Static_assert(__builtin_offsetof(struct wp_data, pad) == 1, "pad");
_Static_assert(__builtin_offsetof(struct wp_data, gpa) == 8, "gpa");

/* HC_VM_GPA2HPA argument, by Service VM GPA in parameter 2: gpa in, hpa out. */
struct vm_gpa2hpa {
	uint64_t gpa;
	uint64_t hpa; /* ACRN_INVALID_HPA if unmapped */
} __attribute__((aligned(8)));

_Static_assert(sizeof(struct vm_gpa2hpa) == 16, "vm_gpa2hpa size");
_Static_assert(__builtin_offsetof(struct vm_gpa2hpa, gpa) == 0, "gpa");
_Static_assert(__builtin_offsetof(struct vm_gpa2hpa, hpa) == 8, "hpa");

#endif
