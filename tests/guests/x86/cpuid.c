// SPDX-License-Identifier: BSD-3-Clause
/*
 * CPUID as the contract describes it: the ACRN hypervisor leaves, the TSC
 * frequency (and its agreement with the vLAPIC timer), the features that
 * must be shown (x2APIC, TSC deadline, hypervisor) and hidden (VMX, SVM,
 * MONITOR, PMU, MCE).
 */
#include "guest.h"

#define SIG_ACRN 0x4e524341 /* "ACRN" */

static void test_vendor(void)
{
	struct cpuid_regs r = cpuid(0);
	bool intel = r.ebx == 0x756e6547 && r.edx == 0x49656e69 && r.ecx == 0x6c65746e;
	bool amd = r.ebx == 0x68747541 && r.edx == 0x69746e65 && r.ecx == 0x444d4163;
	char v[13];

	memcpy(v, &r.ebx, 4);
	memcpy(v + 4, &r.edx, 4);
	memcpy(v + 8, &r.ecx, 4);
	v[12] = 0;
	gprintf("cpuid: vendor %s, max basic leaf 0x%x\n", v, r.eax);
	EXPECT_TRUE(intel || amd);
	/* Leaf 0x15 is part of the contract, so the max leaf must reach it. */
	EXPECT_GE(r.eax, 0x15);
}

static void test_hv_leaves(void)
{
	struct cpuid_regs r = cpuid(0x40000000);

	EXPECT_EQ(r.ebx, SIG_ACRN);
	EXPECT_EQ(r.ecx, SIG_ACRN);
	EXPECT_EQ(r.edx, SIG_ACRN);
	EXPECT_GE(r.eax, 0x40000010);
	r = cpuid(0x40000010);
	gprintf("cpuid: 0x40000010 TSC %u kHz\n", r.eax);
	EXPECT_NE(r.eax, 0);
}

static void test_features(void)
{
	struct cpuid_regs r = cpuid(1);

	EXPECT_TRUE(r.ecx & (1u << 21));  /* x2APIC */
	EXPECT_TRUE(r.ecx & (1u << 24));  /* TSC deadline */
	EXPECT_TRUE(r.ecx & (1u << 31));  /* hypervisor present */
	EXPECT_EQ(r.ecx & (1u << 5), 0);  /* VMX */
	EXPECT_EQ(r.ecx & (1u << 3), 0);  /* MONITOR/MWAIT */
	EXPECT_EQ(r.edx & (1u << 7), 0);  /* MCE */
	EXPECT_EQ(r.edx & (1u << 14), 0); /* MCA */
	EXPECT_TRUE(r.edx & (1u << 4));   /* TSC */
	EXPECT_TRUE(r.edx & (1u << 9));   /* APIC */
	/* Initial APIC id = vCPU index (vCPU i has APIC id i). */
	EXPECT_EQ(r.ebx >> 24, guest_vcpu_index);

	/* PMU hidden: architectural perfmon version 0. */
	EXPECT_EQ(cpuid(0xa).eax & 0xff, 0);

	/* x2APIC id in leaf 0xB EDX, if the leaf is there. */
	if (cpuid(0).eax >= 0xb)
		EXPECT_EQ(cpuid_count(0xb, 0).edx, guest_vcpu_index);

	r = cpuid(0x80000000);
	EXPECT_GE(r.eax, 0x80000001);
	r = cpuid(0x80000001);
	EXPECT_EQ(r.ecx & (1u << 2), 0); /* SVM */
	EXPECT_TRUE(r.edx & (1u << 29)); /* long mode */
}

/* TSC Hz per leaf 0x15: crystal Hz * EBX / EAX. */
static void test_leaf15(uint32_t khz)
{
	struct cpuid_regs r = cpuid(0x15);
	uint64_t hz, want = (uint64_t)khz * 1000;

	gprintf("cpuid: 0x15 eax %u ebx %u ecx %u\n", r.eax, r.ebx, r.ecx);
	EXPECT_NE(r.eax, 0);
	EXPECT_NE(r.ebx, 0);
	EXPECT_NE(r.ecx, 0);
	if (!r.eax || !r.ebx || !r.ecx)
		return;
	hz = (uint64_t)r.ecx * r.ebx / r.eax;
	/* Both describe the same clock; allow kHz rounding (0.1 %). */
	EXPECT_GE(hz * 1000, want * 999);
	EXPECT_LE(hz * 1000, want * 1001);
}

/*
 * Count TSC ticks while the vLAPIC timer counts down a known number of its
 * own ticks. With the timer at the crystal rate (leaf 0x15 ECX), that gives
 * the TSC rate independently of leaf 0x40000010.
 */
static void test_tsc_vs_apic_timer(uint32_t khz)
{
	uint32_t crystal = apic_timer_hz();
	uint32_t c0, c1, span;
	uint64_t t0, t1, deadline, measured_khz;

	if (!crystal) {
		FAIL_MSG("no vLAPIC timer rate (CPUID 0x15 ECX = 0)");
		return;
	}
	x2apic_enable();
	wrmsr(X2APIC_TDCR, APIC_TDCR_DIV1);
	wrmsr(X2APIC_LVT_TIMER, APIC_LVT_MASKED | APIC_TIMER_ONESHOT | 0x40);
	wrmsr(X2APIC_TMICT, 0xffffffff);

	/* 100 ms of APIC time; every CCR read is an exit of ~10-20 us. */
	span = crystal / 10;
	c0 = (uint32_t)rdmsr(X2APIC_TMCCT);
	t0 = rdtsc();
	/* The claimed TSC rate only bounds the wait (2 s), it is not used below. */
	deadline = t0 + (uint64_t)khz * 2000;
	do {
		c1 = (uint32_t)rdmsr(X2APIC_TMCCT);
		t1 = rdtsc();
	} while (c0 - c1 < span && c1 != 0 && t1 < deadline);
	wrmsr(X2APIC_TMICT, 0);

	EXPECT_NE(c1, 0);
	EXPECT_GE(c0 - c1, span);
	if (c0 - c1 < span)
		return;
	measured_khz = (t1 - t0) * crystal / ((uint64_t)(c0 - c1) * 1000);
	gprintf("cpuid: TSC measured against the vLAPIC timer: %llu kHz (claimed %u)\n",
	        (unsigned long long)measured_khz, khz);
	/* Within 5 %. */
	EXPECT_GE(measured_khz * 100, (uint64_t)khz * 95);
	EXPECT_LE(measured_khz * 100, (uint64_t)khz * 105);
}

void guest_main(void)
{
	uint32_t khz;

	TEST_START("cpuid");
	test_vendor();
	test_hv_leaves();
	test_features();
	khz = cpuid(0x40000010).eax;
	if (khz) {
		test_leaf15(khz);
		test_tsc_vs_apic_timer(khz);
	}
	TEST_END();
}
