// quiet.cpp: see quiet.go.
#include <opencv2/core/utils/logger.hpp>

extern "C" void staeOpenCVErrorsOnly(void) {
	cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
}
