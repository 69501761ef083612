// SPDX-License-Identifier: BSD-3-Clause
/*
 * MSR exits: IA32_APIC_BASE in x2APIC mode, x2APIC registers, EFER with SVME
 * hidden, PAT, TSC_DEADLINE, and #GP for unknown MSRs and for the accesses
 * the SDM forbids on x2APIC registers.
 */
#include "guest.h"

static void test_apic_base(void)
{
	uint64_t v = rdmsr(MSR_IA32_APIC_BASE);

	gprintf("msr: IA32_APIC_BASE 0x%llx\n", (unsigned long long)v);
	EXPECT_TRUE(v & APIC_BASE_EN);
	EXPECT_TRUE(v & APIC_BASE_EXTD);
	EXPECT_EQ(!!(v & APIC_BASE_BSP), guest_vcpu_index == 0);
	EXPECT_EQ(v & 0xfffff000ull, LAPIC_MMIO_BASE);
}

static void test_x2apic_regs(void)
{
	uint64_t v;
	uint32_t ver;

	EXPECT_EQ(rdmsr(X2APIC_ID), guest_vcpu_index);
	ver = (uint32_t)rdmsr(X2APIC_VERSION);
	/* Integrated APIC (0x1x) with at least timer, LINT0/1 and error LVTs. */
	EXPECT_EQ(ver & 0xf0, 0x10);
	EXPECT_GE((ver >> 16) & 0xff, 3);
	/* Logical id in x2APIC mode is derived from the APIC id (SDM). */
	EXPECT_EQ(rdmsr(X2APIC_LDR),
	          ((guest_vcpu_index >> 4) << 16) | (1u << (guest_vcpu_index & 15)));

	wrmsr(X2APIC_SVR, APIC_SVR_ENABLE | APIC_SPURIOUS_VEC);
	EXPECT_EQ(rdmsr(X2APIC_SVR) & 0x1ff, APIC_SVR_ENABLE | APIC_SPURIOUS_VEC);
	wrmsr(X2APIC_TPR, 0x20);
	EXPECT_EQ(rdmsr(X2APIC_TPR), 0x20);
	wrmsr(X2APIC_TPR, 0);
	EXPECT_EQ(rdmsr(X2APIC_TPR), 0);

	/* Read-only registers: writes #GP. */
	EXPECT_EQ(wrmsr_safe(X2APIC_ID, 5), VEC_GP);
	EXPECT_EQ(wrmsr_safe(X2APIC_VERSION, 0), VEC_GP);
	EXPECT_EQ(rdmsr(X2APIC_ID), guest_vcpu_index);
	/* Write-only registers: reads #GP. */
	EXPECT_EQ(rdmsr_safe(X2APIC_EOI, &v), VEC_GP);
	EXPECT_EQ(rdmsr_safe(X2APIC_SELF_IPI, &v), VEC_GP);
	/* Reserved x2APIC MSR (0x804 has no register). */
	EXPECT_EQ(rdmsr_safe(0x804, &v), VEC_GP);
}

static void test_unknown(void)
{
	static const uint32_t unknown[] = { 0xdeadbeef, 0x40000200, 0x00001fff, 0xc0011fff };
	uint64_t v;

	for (unsigned int i = 0; i < ARRAY_SIZE(unknown); i++) {
		EXPECT_EQ(rdmsr_safe(unknown[i], &v), VEC_GP);
		EXPECT_EQ(guest_fault_error, 0);
		EXPECT_EQ(wrmsr_safe(unknown[i], 0x1234), VEC_GP);
		EXPECT_EQ(guest_fault_error, 0);
	}
	/* A known MSR must not fault through the same path. */
	EXPECT_EQ(rdmsr_safe(MSR_IA32_APIC_BASE, &v), -1);
}

static void test_misc(void)
{
	uint64_t efer = rdmsr(MSR_EFER);
	uint64_t pat = rdmsr(MSR_IA32_PAT);
	uint64_t t0, t1;

	/* The guest must not see the hypervisor's SVME; paging is off. */
	EXPECT_EQ(efer & EFER_SVME, 0);
	EXPECT_EQ(efer & EFER_LMA, 0);

	/* PAT is the power-on default until written, then holds its value. */
	EXPECT_EQ(pat, 0x0007040600070406ull);
	wrmsr(MSR_IA32_PAT, 0x0007010600070106ull);
	EXPECT_EQ(rdmsr(MSR_IA32_PAT), 0x0007010600070106ull);
	wrmsr(MSR_IA32_PAT, pat);

	/* IA32_TSC reads the same clock as rdtsc. */
	t0 = rdtsc();
	t1 = rdmsr(MSR_IA32_TSC);
	EXPECT_GE(t1, t0);
	EXPECT_LE(t1 - t0, tsc_us_to_ticks(100000));
}

static void test_tsc_deadline(void)
{
	uint64_t dl;

	x2apic_enable();
	/* Outside TSC-deadline mode the MSR ignores writes and reads 0 (SDM). */
	wrmsr(X2APIC_LVT_TIMER, APIC_LVT_MASKED | APIC_TIMER_ONESHOT | 0x40);
	wrmsr(MSR_IA32_TSC_DEADLINE, rdtsc() + tsc_us_to_ticks(10000000));
	EXPECT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE), 0);

	/* Armed (masked) deadline 10 s ahead reads back exactly. */
	wrmsr(X2APIC_LVT_TIMER, APIC_LVT_MASKED | APIC_TIMER_TSC_DL | 0x40);
	dl = rdtsc() + tsc_us_to_ticks(10000000);
	wrmsr(MSR_IA32_TSC_DEADLINE, dl);
	EXPECT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE), dl);
	/* Writing 0 disarms. */
	wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	EXPECT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE), 0);
	wrmsr(X2APIC_LVT_TIMER, APIC_LVT_MASKED);
}

void guest_main(void)
{
	TEST_START("msr");
	test_apic_base();
	test_x2apic_regs();
	test_unknown();
	test_misc();
	test_tsc_deadline();
	TEST_END();
}
