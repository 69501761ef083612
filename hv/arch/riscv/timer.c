/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timer hooks: the time CSR is the tick counter (timebase from the device
 * tree). Deadlines go to stimecmp when every hart has Sstc (no firmware
 * call), else through SBI TIME.
 */
#include <arch/board.h>
#include <arch/cpu.h>
#include <arch/sbi.h>
#include <hv/timer.h>

uint64_t timer_arch_now(void)
{
	return rdtime();
}

void timer_arch_program(uint64_t deadline)
{
	/* "Never" is the largest deadline: it also clears a pending timer interrupt. */
	if (!deadline)
		deadline = UINT64_MAX;
	if (rv_board.sstc)
		__asm__ volatile("csrw 0x14D, %0" ::"r"(deadline) : "memory"); /* stimecmp */
	else
		sbi_set_timer(deadline);
}
