/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Software walk of the guest's own page tables (guest linear -> guest
 * physical), for fetching the instruction behind an MMIO exit and for the
 * RAM side of emulated string instructions.
 *
 * Supported: paging off; 32-bit 2-level paging (with CR4.PSE 4 MiB pages and
 * PSE-36 high address bits); PAE 3-level; 4-level and 5-level (CR4.LA57) long
 * mode with 2 MiB and 1 GiB pages; present/RW/US checks, CR0.WP, EFER.NXE,
 * CR4.SMEP, CR4.SMAP and reserved-bit faults.
 *
 * Not modelled: protection keys (CR4.PKE/PKS), the PAE PDPTE registers (the
 * PDPTEs are re-read from memory rather than taken from the copy the CPU
 * loaded at the last CR3 write), segmentation (the caller adds segment bases
 * and checks limits), A20 masking, and 1 GiB pages are always allowed even if
 * CPUID hides them from the guest.
 */
#ifndef ARCH_GUEST_WALK_H
#define ARCH_GUEST_WALK_H

#include <hv/types.h>

#define X86_CR0_PG   BIT(31)
#define X86_CR0_WP   BIT(16)

#define X86_CR4_PSE  BIT(4)
#define X86_CR4_PAE  BIT(5)
#define X86_CR4_LA57 BIT(12)
#define X86_CR4_SMEP BIT(20)
#define X86_CR4_SMAP BIT(21)

#define X86_EFER_LME BIT(8)
#define X86_EFER_LMA BIT(10)
#define X86_EFER_NXE BIT(11)

/* #PF error code bits. */
#define X86_PF_P    BIT(0) /* 0: not present, 1: protection / reserved bit */
#define X86_PF_W    BIT(1)
#define X86_PF_U    BIT(2)
#define X86_PF_RSVD BIT(3)
#define X86_PF_ID   BIT(4)

/* Access bits for x86_guest_walk(); the first three match the #PF error code. */
#define X86_ACCESS_WRITE X86_PF_W
#define X86_ACCESS_USER  X86_PF_U  /* CPL 3 */
#define X86_ACCESS_FETCH X86_PF_ID /* instruction fetch */
/* Supervisor data access with RFLAGS.AC = 1: CR4.SMAP does not apply. */
#define X86_ACCESS_AC BIT(8)

struct x86_paging_state {
	uint64_t cr0, cr3, cr4, efer;
	/* MAXPHYADDR (CPUID 0x80000008 EAX[7:0]) the guest sees; 0 means 52, the architectural maximum. */
	unsigned maxphyaddr;
};

struct x86_guest_mem {
	/* Read guest-physical memory (paging structures and, for read_gla, data). */
	int (*read_gpa)(void *opaque, uint64_t gpa, void *buf, unsigned len);
	/*
	 * Optional: atomically replace the `size`-byte (4 or 8) paging entry at
	 * gpa with `new` if it still holds `old`; 0, or -EAGAIN if it changed.
	 * With it the walker sets Accessed (and Dirty on writes) bits as the CPU
	 * would; NULL skips that.
	 */
	int (*cmpxchg_gpa)(void *opaque, uint64_t gpa, unsigned size, uint64_t old, uint64_t new);
	void *opaque;
};

/*
 * Translate linear `gla` for `access` (X86_ACCESS_*). Returns 0 and *gpa;
 * -EFAULT with *pf_error set when the guest must get a #PF (CR2 = gla);
 * -EINVAL for a non-canonical address (the guest gets #GP, not #PF) or bad
 * arguments; -EIO if a paging structure could not be read (read_gpa failed);
 * -EAGAIN if the entries kept changing under the A/D update.
 */
int x86_guest_walk(const struct x86_paging_state *st, uint64_t gla, unsigned access,
                   const struct x86_guest_mem *mem, uint64_t *gpa, uint32_t *pf_error);

/*
 * Copy `len` bytes from linear address `gla`, page by page (the range may
 * cross pages mapped anywhere). *copied (optional) gets the bytes copied
 * before any failure, so an instruction fetch can decode what it got before
 * deciding the fault matters. On -EFAULT *fault_gla (optional) is the linear
 * address to report in CR2 and *pf_error the error code. Errors as for
 * x86_guest_walk(); a failing data read_gpa gives -EIO.
 */
int x86_guest_read_gla(const struct x86_paging_state *st, uint64_t gla, unsigned access,
                       const struct x86_guest_mem *mem, void *buf, unsigned len, unsigned *copied,
                       uint64_t *fault_gla, uint32_t *pf_error);

#endif
