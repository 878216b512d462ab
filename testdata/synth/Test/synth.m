TestVideoFile = {};
TestVideoFile{end+1}.gt_frame = [41:55];
TestVideoFile{end+1}.gt_frame = [31:84];
TestVideoFile{end+1}.gt_frame = [36:59];
TestVideoFile{end+1}.gt_frame = [27:90];
TestVideoFile{end+1}.gt_frame = [46:90];
