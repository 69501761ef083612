/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CPUID as a guest sees it: the host's, minus what we do not virtualize,
 * plus x2APIC, the TSC-deadline timer, ACRN's hypervisor leaves and leaf
 * 0x15, so Linux learns the TSC frequency without calibrating it.
 */
#include <acrn/hypercall.h>
#include <arch/cpu.h>
#include <arch/x86_vcpu.h>
#include <hv/vcpu.h>
#include <hv/vm.h>

enum {
	EAX,
	EBX,
	ECX,
	EDX
};

static void topology_leaf(struct vcpu *v, uint32_t sub, uint32_t out[4])
{
	unsigned bits = 0;

	while ((1u << bits) < v->vm->nr_vcpus)
		bits++;
	out[EDX] = v->id; /* x2APIC id */
	if (sub == 0) {   /* SMT level: one thread per core */
		out[EAX] = 0;
		out[EBX] = 1;
		out[ECX] = (1u << 8) | sub;
	} else if (sub == 1) { /* core level: every vCPU a core of one package */
		out[EAX] = bits;
		out[EBX] = v->vm->nr_vcpus;
		out[ECX] = (2u << 8) | sub;
	} else {
		out[EAX] = out[EBX] = 0;
		out[ECX] = sub;
	}
}

/*
 * Extended state: guests see exactly the XCR0 components the hypervisor
 * switches between vCPUs (x86_features.xcr0_max: x87, SSE, AVX), so a CPU with
 * AVX-512, MPX or PKRU (Bochs' Skylake-X) does not make the guest's idea of
 * the XSAVE layout differ from ours. Supervisor states (XSAVES, IA32_XSS) are
 * not virtualized.
 */
#define AVX512_EBX (BIT(16) | BIT(17) | BIT(21) | BIT(26) | BIT(27) | BIT(28) | BIT(30) | BIT(31))
#define AVX512_ECX (BIT(1) | BIT(6) | BIT(11) | BIT(12) | BIT(14))
#define AVX512_EDX (BIT(2) | BIT(3) | BIT(8) | BIT(23))

static void xsave_leaf(uint32_t sub, uint32_t out[4])
{
	uint64_t mask = x86_features.xcr0_max;

	if (sub == 0) {
		uint32_t max_size = 576; /* legacy area + XSAVE header */

		for (unsigned i = 2; i < 64; i++) {
			uint32_t a, b, c, d;

			if (!(mask & BIT(i)))
				continue;
			cpuid_count(0xD, i, &a, &b, &c, &d);
			max_size = MAX(max_size, a + b);
		}
		out[EAX] = (uint32_t)mask;
		out[ECX] = max_size;
		out[EDX] = (uint32_t)(mask >> 32);
		/* EBX (size for the current XCR0) is the CPU's, and XCR0 is the guest's here. */
	} else if (sub == 1) {
		out[EAX] &= ~BIT(3); /* XSAVES */
		out[EBX] = out[ECX] = out[EDX] = 0;
	} else if (sub >= 64 || !(mask & BIT(sub))) {
		out[EAX] = out[EBX] = out[ECX] = out[EDX] = 0;
	}
}

void x86_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	uint32_t max_basic;

	cpuid_count(0, 0, &max_basic, &out[EBX], &out[ECX], &out[EDX]);
	if (leaf >= 0x40000000 && leaf < 0x40000100) {
		out[EAX] = out[EBX] = out[ECX] = out[EDX] = 0;
		if (leaf == ACRN_CPUID_SIGNATURE) {
			out[EAX] = ACRN_CPUID_MAX_LEAF;
			out[EBX] = out[ECX] = out[EDX] = ACRN_CPUID_SIGNATURE_REG;
		} else if (leaf == ACRN_CPUID_FEATURES) {
			out[EAX] = v->vm->cfg->load_order == LOAD_SERVICE ? GUEST_CAPS_PRIVILEGE_VM
			                                                  : 0;
		} else if (leaf == ACRN_CPUID_TIMING_INFO) {
			out[EAX] = (uint32_t)tsc_khz;
		}
		return;
	}
	if (leaf == 0x15) {
		/* TSC = crystal * EBX / EAX; the crystal is the vLAPIC timer clock. */
		out[EAX] = 1;
		out[EBX] = VLAPIC_TSC_PER_BUS_TICK;
		out[ECX] = vlapic_bus_hz(tsc_khz);
		out[EDX] = 0;
		return;
	}
	if (leaf == 0x16) {
		/* Base and maximum frequency in MHz, so Linux needs no PIT to find cpu_khz. */
		out[EAX] = out[EBX] = (uint32_t)(tsc_khz / 1000);
		out[ECX] = 100;
		out[EDX] = 0;
		return;
	}
	if (leaf < 0x80000000 && leaf > max_basic && leaf != 0xB) {
		out[EAX] = out[EBX] = out[ECX] = out[EDX] = 0;
		return;
	}
	cpuid_count(leaf, sub, &out[EAX], &out[EBX], &out[ECX], &out[EDX]);
	switch (leaf) {
	case 0:
		out[EAX] = max_basic < 0x16 ? 0x16 : max_basic;
		break;
	case 1:
		/* EBX: initial APIC id and logical processor count. */
		out[EBX] = (out[EBX] & 0xFFFF) | (v->vm->nr_vcpus << 16) | (v->id << 24);
		out[ECX] &=
		        ~(BIT(3) | BIT(5) | BIT(6) | BIT(7) | BIT(8) | BIT(15) | BIT(18) | BIT(27));
		out[ECX] |= BIT(21) | BIT(24) | BIT(31);
		{
			struct x86_sregs s;

			x86_vendor->get_sregs(v, &s);
			if (s.cr4 & CR4_OSXSAVE)
				out[ECX] |= BIT(27);
		}
		out[EDX] &= ~(BIT(7) | BIT(14) | BIT(22) | BIT(29) | BIT(31));
		out[EDX] |= BIT(9) | (v->vm->nr_vcpus > 1 ? BIT(28) : 0);
		break;
	case 4:
		out[EAX] = (out[EAX] & 0x3FFFFFF) | ((v->vm->nr_vcpus - 1) << 26);
		out[EAX] &= ~(0xFFFu << 14); /* one thread shares each cache */
		break;
	case 6:
	case 0xA:
		out[EAX] = out[EBX] = out[ECX] = out[EDX] = 0; /* power/thermal, PMU: hidden */
		break;
	case 7:
		if (sub == 0) {
			out[EBX] &= ~(BIT(12) | BIT(15)); /* resource monitoring/allocation */
			out[EBX] &= ~BIT(14);             /* MPX: its state is not switched */
			out[EBX] &= ~AVX512_EBX;
			out[ECX] &= ~BIT(5);            /* WAITPKG */
			out[ECX] &= ~(BIT(3) | BIT(4)); /* PKU: PKRU state is not switched */
			out[ECX] &= ~AVX512_ECX;
			/* Speculation-control MSRs are not virtualized. */
			out[EDX] &= ~(BIT(26) | BIT(27) | BIT(28) | BIT(29) | BIT(31));
			out[EDX] &= ~AVX512_EDX;
		} else if (sub == 1) {
			out[EAX] &= ~BIT(5); /* AVX512_BF16 */
		}
		break;
	case 0xD:
		xsave_leaf(sub, out);
		break;
	case 0xB:
	case 0x1F:
		topology_leaf(v, sub, out);
		break;
	case 0x80000001:
		out[ECX] &= ~(BIT(2) | BIT(10) | BIT(12) | BIT(13)); /* SVM, IBS, SKINIT, WDT */
		break;
	case 0x80000007:
		out[EAX] = out[EBX] = out[ECX] = 0;
		out[EDX] = BIT(8); /* invariant TSC */
		break;
	case 0x8000000A:
		out[EAX] = out[EBX] = out[ECX] = out[EDX] = 0;
		break;
	}
}
