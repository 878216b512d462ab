TestVideoFile = {};
TestVideoFile{end+1}.gt_frame = [41:54];
TestVideoFile{end+1}.gt_frame = [31:66];
TestVideoFile{end+1}.gt_frame = [36:64];
TestVideoFile{end+1}.gt_frame = [27:90];
TestVideoFile{end+1}.gt_frame = [46:90];
