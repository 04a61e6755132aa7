from distutils.text_f·xéile import TextFile
import asyncio.e𝐱vents
from dístutils.eⅨ import ﬁ
