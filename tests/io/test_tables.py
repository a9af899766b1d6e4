import json

import numpy as np
import pandas as pd
import pytest

import vtract
from vtract.errors import FileFormatError


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_table_round_trip_with_sidecar(tmp_path, suffix):
    df = pd.DataFrame({"frame": [0, 1, 2], "time_s": [0.005, 0.015, 0.025],
                       "lip_aperture_mm": [1.5, np.nan, 3.25]})
    p = vtract.write_table(df, tmp_path / f"measures{suffix}", settings={"method": "test", "n": 3})
    back = vtract.read_table(p)
    pd.testing.assert_frame_equal(back, df, check_dtype=False)
    side = json.loads((tmp_path / "measures.json").read_text())
    assert side["settings"] == {"method": "test", "n": 3}
    assert side["vtract_version"] == vtract.__version__ and side["n_rows"] == 3
    assert not list(tmp_path.glob(".*tmp*"))  # no temporary files left behind


def test_table_bad_suffix(tmp_path):
    with pytest.raises(FileFormatError, match="csv or .parquet"):
        vtract.write_table(pd.DataFrame({"a": [1]}), tmp_path / "x.xlsx")
