/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CPUID as a guest sees it: the host's, minus what we do not virtualize,
 * plus x2APIC, the TSC-deadline timer, ACRN's hypervisor leaves and leaf
 * 0x15, so Linux learns the TSC frequency without calibrating it.
 */
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

void x86_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	uint32_t max_basic;

	cpuid_count(0, 0, &max_basic, &out[EBX], &out[ECX], &out[EDX]);
	if (leaf >= 0x40000000 && leaf < 0x40000100) {
		out[EAX] = out[EBX] = out[ECX] = out[EDX] = 0;
		if (leaf == 0x40000000) {
			out[EAX] = 0x40000010;
			out[EBX] = out[ECX] = out[EDX] = 0x4E524341; /* "ACRN" */
		} else if (leaf == 0x40000001) {
			out[EAX] = v->vm->cfg->load_order == LOAD_SERVICE ? 1 : 0;
		} else if (leaf == 0x40000010) {
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
			out[ECX] &= ~BIT(5);              /* WAITPKG */
			/* Speculation-control MSRs are not virtualized. */
			out[EDX] &= ~(BIT(26) | BIT(27) | BIT(28) | BIT(29) | BIT(31));
		}
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
