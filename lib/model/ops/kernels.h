// Declarations of kernels.c's loops for kernels.go.
void stae_bias_act_rows(float *v, long rows, long n, long stride, const float *b, int tanh);
void stae_tanh_grad(const float *y, const float *g, float *dst, long n);
void stae_cell_fwd(const float *zi, const float *zf, const float *zg, const float *cp, const float *wci,
	const float *wcf, float *c, long n);
void stae_cell_back(const float *zi, const float *zf, const float *zg, const float *cp, const float *wci,
	const float *wcf, const float *gc, float *dzi, float *dzf, float *dzg, float *dcp, float *dwci,
	float *dwcf, long n);
void stae_hidden_fwd(const float *zo, const float *c, const float *wco, float *h, long n);
void stae_hidden_back(const float *zo, const float *c, const float *wco, const float *gh, float *dzo,
	float *dc, float *dwco, long n);
void stae_im2col(const float *x, float *col, int c, int h, int w, int k, int s, int p, int oh, int ow,
	int oi_lo, int oi_hi);
void stae_col2im(const float *col, float *x, int c, int h, int w, int k, int s, int p, int oh, int ow,
	int c_lo, int c_hi);
