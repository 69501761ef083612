/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ARCH_X86_VRTC_H
#define ARCH_X86_VRTC_H

#include <hv/io.h>
#include <hv/types.h>

struct vrtc {
	uint8_t index;
	uint8_t reg_b;
	uint8_t ram[128];
	int64_t offset; /* seconds the guest moved its clock from the board's */
};

/* Read the board's RTC once (BSP, at boot). */
void vrtc_init_board_time(void);
int vrtc_init(struct vrtc *r, struct io_bus *pio);

#endif
