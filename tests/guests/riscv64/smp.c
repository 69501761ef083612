/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two harts: hart 0 finds both in the device tree, starts hart 1 through
 * SBI HSM (it starts stopped), they exchange SBI IPIs, hart 0 patches code
 * hart 1 runs and orders a remote fence.i before hart 1 runs it again, hart
 * 1 stops itself with hart_stop and is started once more. Only hart 0
 * prints (the VM's console is one line buffer); hart 1 reports through
 * memory.
 */
#include "guest.h"

#define SIE_SSIE    BIT(1)
#define SSTATUS_SIE BIT(1)
#define HSM_START   0
#define HSM_STOP    1
#define HSM_STATUS  2

extern char secondary_start[];

static volatile unsigned ipis[2];
static volatile unsigned h1_runs, h1_phase, h1_result[2];
static volatile unsigned long h1_a0, h1_a1;
static volatile unsigned cmd;
static uint64_t h1_stack[2][512] __attribute__((aligned(16)));
/* li a0, 1; ret: code in RAM that hart 0 rewrites. */
static volatile uint32_t patchable[2] __attribute__((aligned(8))) = { 0x00100513, 0x00008067 };

static unsigned hart_id(void)
{
	unsigned long tp;

	__asm__ volatile("mv %0, tp" : "=r"(tp));
	return (unsigned)tp;
}

void guest_trap(struct gframe *f)
{
	if (f->scause == (CAUSE_IRQ | 1)) {
		csr_clear(sip, SIE_SSIE);
		ipis[hart_id()]++;
		return;
	}
	ipis[1] = 1000; /* anything else: make hart 0 notice */
	f->sepc += 4;
}

static int wait_until(volatile unsigned *v, unsigned goal)
{
	unsigned long deadline = rdtime() + 10000000;

	while (*v < goal) {
		if (rdtime() > deadline)
			return 0;
		__sync_synchronize();
	}
	return 1;
}

static void irq_setup(unsigned long hartid)
{
	__asm__ volatile("mv tp, %0" ::"r"(hartid));
	install_traps();
	csr_set(sie, SIE_SSIE);
	csr_set(sstatus, SSTATUS_SIE);
}

void secondary_main(unsigned long hartid, unsigned long opaque)
{
	irq_setup(hartid);
	h1_a0 = hartid;
	h1_a1 = opaque;
	__sync_synchronize();
	h1_runs++;
	if (h1_runs == 1) {
		wait_until(&ipis[1], 1);
		ecall(EXT_IPI, 0, 1, 0, 0); /* to hart 0 */
		h1_result[0] = ((unsigned (*)(void))patchable)();
		h1_phase = 1;
		wait_until(&cmd, 1);
		h1_result[1] = ((unsigned (*)(void))patchable)();
		h1_phase = 2;
		wait_until(&cmd, 2);
	}
	__sync_synchronize();
	ecall(EXT_HSM, HSM_STOP, 0, 0, 0);
	h1_phase = 99; /* never: hart_stop does not return */
}

static void report(const char *what, int ok)
{
	puts_sbi("RV-SMP: ");
	puts_sbi(what);
	puts_sbi(ok ? " ok\n" : " FAILED\n");
}

static int wait_stopped(void)
{
	unsigned long deadline = rdtime() + 10000000;

	while (ecall(EXT_HSM, HSM_STATUS, 1, 0, 0).value != 1) {
		if (rdtime() > deadline)
			return 0;
	}
	return 1;
}

void guest_main(unsigned long hartid, const void *fdt)
{
	const char *why = dt_check(fdt, 2, 0);
	unsigned long top1 = (unsigned long)&h1_stack[0][512];
	unsigned long top2 = (unsigned long)&h1_stack[1][512];
	struct ret r;

	irq_setup(hartid);
	puts_sbi("RV-SMP: hart 0 up\n");
	report("device tree with 2 harts", !why);
	report("hart 1 starts stopped", ecall(EXT_HSM, HSM_STATUS, 1, 0, 0).value == 1);
	report("hart 2 does not exist",
	       ecall(EXT_HSM, HSM_STATUS, 2, 0, 0).error == SBI_ERR_INVALID_PARAM);
	r = ecall(EXT_HSM, HSM_START, 1, (unsigned long)secondary_start, top1);
	report("hart_start", r.error == 0);
	r = ecall(EXT_HSM, HSM_START, 1, (unsigned long)secondary_start, top1);
	report("second hart_start refused", r.error == SBI_ERR_ALREADY_AVAILABLE);
	report("hart 1 running", wait_until(&h1_runs, 1) && h1_a0 == 1 && h1_a1 == top1);
	report("hart 1 started status", ecall(EXT_HSM, HSM_STATUS, 1, 0, 0).value == 0);

	r = ecall(EXT_IPI, 0, 2, 0, 0); /* hart_mask bit 1, base 0 */
	report("ipi to hart 1", r.error == 0 && wait_until(&ipis[1], 1) && ipis[1] == 1);
	report("ipi from hart 1", wait_until(&ipis[0], 1));
	report("ipi to a missing hart refused",
	       ecall(EXT_IPI, 0, 1, 5, 0).error == SBI_ERR_INVALID_PARAM);

	report("hart 1 ran the code", wait_until(&h1_phase, 1) && h1_result[0] == 1);
	patchable[0] = 0x00200513;         /* li a0, 2 */
	r = ecall(EXT_RFENCE, 0, 2, 0, 0); /* remote fence.i on hart 1 */
	report("remote fence.i", r.error == 0);
	r = ecall(EXT_RFENCE, 1, 1, 1, 0); /* remote sfence.vma, base 1 */
	report("remote sfence.vma", r.error == 0);
	report("remote hfence refused", ecall(EXT_RFENCE, 3, 2, 0, 0).error == -2);
	cmd = 1;
	report("hart 1 ran the patched code", wait_until(&h1_phase, 2) && h1_result[1] == 2);

	cmd = 2;
	report("hart 1 stopped itself", wait_stopped());
	r = ecall(EXT_HSM, HSM_START, 1, (unsigned long)secondary_start, top2);
	report("hart 1 started again", r.error == 0 && wait_until(&h1_runs, 2) && h1_a1 == top2);
	report("hart 1 stopped again", wait_stopped());
	report("no stray traps", ipis[1] == 1);
	puts_sbi("RV-SMP: done\n");
	shutdown();
}
