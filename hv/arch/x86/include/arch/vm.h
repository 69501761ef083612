/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ARCH_X86_VM_H
#define ARCH_X86_VM_H

#include <arch/vioapic.h>
#include <arch/vrtc.h>
#include <hv/spinlock.h>
#include <hv/types.h>

struct vm_arch {
	struct spinlock ioapic_lock;
	struct vioapic vioapic;
	struct vrtc rtc; /* serialized by the I/O exit path of each vCPU; racy reads are benign */
	uint64_t test_scratch[2];
	uint64_t test_count;
	unsigned nr_gp_logged; /* rate limit for guest-error logs */
	uint8_t upcall_vector; /* Service VM: HC_SET_CALLBACK_VECTOR, default 0xF3 */
};

#endif
