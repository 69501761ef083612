/* SPDX-License-Identifier: BSD-3-Clause */
/* A witness: prints a tick every 100 ms for a second, then powers its VM off. */
#include "guest.h"

void guest_main(unsigned long hartid)
{
	unsigned long next = rdtime();

	(void)hartid;
	for (unsigned long i = 1; i <= 10; i++) {
		next += 1000000; /* 100 ms at 10 MHz */
		while (rdtime() < next)
			;
		say_hex("RV-WITNESS: tick ", i);
	}
	puts_sbi("RV-WITNESS: done\n");
	shutdown();
}
