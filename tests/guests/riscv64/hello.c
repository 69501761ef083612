/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The first RISC-V guest: prints through the legacy SBI putchar and through
 * DBCN, checks what SBI BASE reports, and powers its VM off with SRST.
 * Every line the board test expects depends on a value the hypervisor gave.
 */
#include "guest.h"

static size_t len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

void guest_main(unsigned long hartid)
{
	static const char dbcn_msg[] = "RV-GUEST: dbcn write ok\n";
	struct ret spec = ecall(EXT_BASE, 0, 0, 0, 0);
	struct ret dbcn = ecall(EXT_BASE, 3, EXT_DBCN, 0, 0);
	struct ret hsm = ecall(EXT_BASE, 3, EXT_HSM, 0, 0);
	struct ret w;
	unsigned long t0, t1;

	puts_sbi("RV-GUEST: hello from VS-mode, hart ");
	put_hex(hartid);
	puts_sbi("\nRV-GUEST: sbi spec ");
	put_hex((unsigned long)spec.value);
	puts_sbi(" dbcn ");
	put_hex((unsigned long)dbcn.value);
	puts_sbi(" hsm ");
	put_hex((unsigned long)hsm.value);
	putc_sbi('\n');

	w = ecall(EXT_DBCN, 0, len(dbcn_msg), (unsigned long)dbcn_msg, 0);
	if (w.error || w.value != (long)len(dbcn_msg))
		puts_sbi("RV-GUEST: dbcn write FAILED\n");
	/* An address outside the VM's RAM must be refused, not read. */
	w = ecall(EXT_DBCN, 0, 4, 0x7ff00000UL, 0);
	puts_sbi(w.error == -3 ? "RV-GUEST: dbcn bad address refused\n"
	                       : "RV-GUEST: dbcn bad address ACCEPTED\n");

	__asm__ volatile("rdtime %0" : "=r"(t0));
	for (volatile int i = 0; i < 100000; i++)
		;
	__asm__ volatile("rdtime %0" : "=r"(t1));
	puts_sbi(t1 > t0 ? "RV-GUEST: time advances\n" : "RV-GUEST: time STUCK\n");

	puts_sbi("RV-GUEST: done\n");
	shutdown();
}
