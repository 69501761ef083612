/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest F/D state across vCPU switches: two VMs time-share one hart, each
 * summing its own constant (its RAM size in MiB, from its device tree) in an
 * FP register for 2 s of scheduler slices under its own rounding mode, and
 * counting the gaps in which the other VM ran. Registers clobbered by the
 * other VM would show in the sum or in frm.
 * Built with F/D (-march=rv64imafdc); the guest turns sstatus.FS on itself.
 */
#include "guest.h"

#define SSTATUS_FS_INITIAL (1UL << 13)
#define LOOP_TICKS         20000000UL /* 2 s: longer than the other VM's start-up */
#define GAP_TICKS          50000UL    /* 5 ms without the loop: another vCPU ran */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void check(const char *what, int ok)
{
	puts_sbi("RV-FPU: ");
	puts_sbi(what);
	puts_sbi(ok ? " ok\n" : " FAILED\n");
}

static __attribute__((noinline)) void fpu_main(const void *fdt)
{
	uint32_t len = 0;
	const uint8_t *isa = dt_prop(fdt, "/cpus/cpu@0", "riscv,isa", &len);
	const uint8_t *reg = dt_prop(fdt, "/memory@0", "reg", &len);
	unsigned long mib = reg ? be32(reg + 12) >> 20 : 0, frm, rm = mib == 16 ? 1 : 2;
	unsigned long now = rdtime(), last = now, end = now + LOOP_TICKS, n = 0, gaps = 0;
	double k = (double)mib, acc = 0;

	check("device tree offers F and D", isa && isa[4] == 'i' && isa[5] == 'm' &&
	                                            isa[6] == 'a' && isa[7] == 'f' &&
	                                            isa[8] == 'd');
	csr_write(frm, rm); /* RTZ in one VM, RDN in the other */
	/* Time-bound, so both VMs' loops overlap whenever each one starts. */
	while ((now = rdtime()) < end) {
		acc += k;
		__asm__ volatile("" : "+f"(acc)); /* keep it in a register, step by step */
		n++;
		if (now - last > GAP_TICKS)
			gaps++; /* the other VM ran meanwhile */
		last = now;
	}
	frm = csr_read(frm);
	check("descheduled during the loop", gaps >= 3);
	check("sum kept across switches", acc == k * (double)n && mib != 0 && n != 0);
	check("rounding mode kept", frm == rm);
	puts_sbi("RV-FPU: done\n");
	shutdown();
}

void guest_main(unsigned long hartid, const void *fdt)
{
	(void)hartid;
	/* Before any F/D instruction, which the compiler may place anywhere in fpu_main. */
	csr_set(sstatus, SSTATUS_FS_INITIAL);
	fpu_main(fdt);
}
