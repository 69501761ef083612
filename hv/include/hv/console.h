/* SPDX-License-Identifier: BSD-3-Clause */
/* The board's debug console (a UART). */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include <hv/types.h>

/* ---- arch/board hooks ---- */
void console_arch_init(void);
void console_arch_putc(char c);

#endif
